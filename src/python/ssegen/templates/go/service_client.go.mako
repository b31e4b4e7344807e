${header}

package ${package}
% if imports:

${imports}
% endif
% for service in services:

${service.doc}
type ${service.go_name}Client struct {
	cfg *clientConfig
}

${service.new_doc}
func New${service.go_name}Client(baseURL string, opts ...ClientOption) *${service.go_name}Client {
	return &${service.go_name}Client{cfg: newClientConfig(baseURL, opts)}
}
% for method in service.methods:

${method.doc}
% if method.streaming:
func (c *${service.go_name}Client) ${method.go_name}(ctx context.Context, req ${method.request}, opts ...CallOption) (*EventStream[${method.response}], error) {
	return openStream[${method.response}](ctx, c.cfg, ${method.route}, req, opts)
}
% else:
func (c *${service.go_name}Client) ${method.go_name}(ctx context.Context, req ${method.request}, opts ...CallOption) (${method.response}, error) {
	res := new(${method.response_type})
	if err := c.cfg.call(ctx, ${method.route}, req, res, opts); err != nil {
		return nil, err
	}
	return res, nil
}
% endif
% endfor
% for option in service.header_options:

${option.doc}
func ${option.go_name}(value string) CallOption {
	return WithHeader(${option.quoted_header}, value)
}
% endfor
% endfor
