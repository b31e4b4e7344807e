${header}

package ${package}

import (
	"errors"
	"fmt"
	"sync"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
)

// The requests of this package have buf.validate rules. Servers check every request with
// protovalidate once it is bound (body, path and query) and answer a violation with status 400
// and the ValidationError body; clients do so before sending with WithRequestValidation.

// protoValidator is built on first use and shared by every server and client of the package.
var protoValidator = sync.OnceValues(func() (protovalidate.Validator, error) { return protovalidate.New() })

// compileRequestRules prepares the rules of a request type at registration: a validator that
// cannot be built, or rules protovalidate cannot compile, fail the registration, so that no
// server runs with requests left unchecked.
func compileRequestRules(zero proto.Message) error {
	v, err := protoValidator()
	if err != nil {
		return fmt.Errorf("ssegen: cannot set up protovalidate: %w", err)
	}
	// Validating the empty message compiles the rules of its type and of the types inside it;
	// its violations do not matter here.
	var compile *protovalidate.CompilationError
	if err := v.Validate(zero); errors.As(err, &compile) {
		return fmt.Errorf("ssegen: the buf.validate rules of %s: %w", zero.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// validateRequest checks msg against its rules: violations are a *ValidationError, with the
// fields as dotted paths of proto names ("items[0].sku"; "unknown" for a rule of a whole
// message) and protovalidate's messages. Any other error is a rule that could not be
// evaluated, or no validator: never a request that passed.
func validateRequest(msg proto.Message) error {
	v, err := protoValidator()
	if err != nil {
		return fmt.Errorf("ssegen: cannot set up protovalidate: %w", err)
	}
	err = v.Validate(msg)
	var invalid *protovalidate.ValidationError
	if !errors.As(err, &invalid) {
		return err
	}
	violations := make([]FieldViolation, len(invalid.Violations))
	for i, violation := range invalid.Violations {
		field := protovalidate.FieldPathString(violation.Proto.GetField())
		if field == "" {
			field = "unknown"
		}
		description := violation.Proto.GetMessage()
		if description == "" {
			description = violation.Proto.GetRuleId()
		}
		violations[i] = FieldViolation{Field: field, Description: description}
	}
	return &ValidationError{Violations: violations}
}
