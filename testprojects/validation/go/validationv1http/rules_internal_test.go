package validationv1http

// Rules that protovalidate cannot compile fail the registration (New<Service>Handler panics
// with that error) instead of leaving requests unchecked.

import (
	"errors"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"example.com/ssegen/testprojects/validation/gen/validationv1"
)

// brokenRequest is a message whose CEL rule names a field it does not have.
func brokenRequest(t *testing.T) proto.Message {
	t.Helper()
	options := &descriptorpb.MessageOptions{}
	proto.SetExtension(options, validate.E_Message, &validate.MessageRules{
		Cel: []*validate.Rule{{Id: proto.String("broken"), Expression: proto.String("this.missing > 0")}},
	})
	file, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:       proto.String("broken/v1/broken.proto"),
		Package:    proto.String("broken.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"buf/validate/validate.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name:    proto.String("BrokenRequest"),
			Options: options,
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name:     proto.String("id"),
				JsonName: proto.String("id"),
				Number:   proto.Int32(1),
				Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
				Type:     descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
			}},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessage(file.Messages().Get(0))
}

func TestRulesThatDoNotCompileFailTheRegistration(t *testing.T) {
	err := compileRequestRules(brokenRequest(t))
	var compile *protovalidate.CompilationError
	if !errors.As(err, &compile) || !strings.Contains(err.Error(), "broken.v1.BrokenRequest") {
		t.Fatalf("compileRequestRules: %v, want the CompilationError of broken.v1.BrokenRequest", err)
	}
	// The project's own rules compile, and the empty request's violations do not matter.
	if err := compileRequestRules(&validationv1.CreateOrderRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestRequestThatCannotBeCheckedIsNotLetThrough(t *testing.T) {
	// At request time the same rules give an error that is not a *ValidationError: the server
	// answers 500 (the handler never runs), the client returns it without sending.
	err := validateRequest(brokenRequest(t))
	var invalid *ValidationError
	if err == nil || errors.As(err, &invalid) {
		t.Fatalf("validateRequest: %v, want the compilation error", err)
	}
}
