${header}

package ${package}
% if imports:

${imports}
% endif
% for service in services:

${service.doc}
type ${service.go_name}Server interface {
% for i, method in enumerate(service.methods):
% if i:

% endif
${method.doc}
% if method.streaming:
	${method.go_name}(ctx context.Context, req ${method.request}, stream SSESender) error
% else:
	${method.go_name}(ctx context.Context, req ${method.request}) (${method.response}, error)
% endif
% endfor
}

${service.register_doc}
func Register${service.go_name}Server(server ${service.go_name}Server, opts ...ServerOption) error {
	if server == nil {
		return errNilServer(${service.quoted_full_name})
	}
	r := newRegistrar(opts)
% for method in service.methods:
	${"registerStream" if method.streaming else "registerUnary"}(r, ${method.route}, server.${method.go_name})
% endfor
	return r.finish()
}

${service.handler_doc}
func New${service.go_name}Handler(server ${service.go_name}Server, opts ...ServerOption) http.Handler {
	mux := http.NewServeMux()
	if err := Register${service.go_name}Server(server, append(opts[:len(opts):len(opts)], WithMux(mux))...); err != nil {
		panic(err)
	}
	return jsonFallback(mux)
}
% endfor
