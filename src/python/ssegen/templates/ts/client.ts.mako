## The client classes of one proto file's services.
${generated_notice}
// source: ${source}

% for line in imports:
${line}
% endfor
% for s in services:
<%
    service = s["service"]
    names = s["names"]
%>
/** Options of ${names.client}: the transport, defaults for every call, and typed headers. */
% if s["headers"]:
export interface ${names.client_options} extends ClientOptions {
% for line in s["header_lines"]:
${line}
% endfor
}
% else:
export interface ${names.client_options} extends ClientOptions {}
% endif

/** Options of one ${service.name} call; typed headers override the client's. */
% if s["headers"]:
export interface ${names.call_options} extends CallOptions {
% for line in s["header_lines"]:
${line}
% endfor
}
% else:
export interface ${names.call_options} extends CallOptions {}
% endif
% if s["streaming"]:

/** Options of one ${service.name} stream: resume point, reconnection and event size limit. */
export interface ${names.stream_options} extends ${names.call_options}, StreamOptions {}
% endif

% for line in jsdoc([service.comment, "@deprecated" if service.deprecated else ""]):
${line}
% endfor
export class ${names.client} {
% if s["methods"]:
  readonly #transport: ClientTransport;

  /** `baseUrl` is the server's origin plus any mount prefix, e.g. "https://api.example.com". */
  constructor(baseUrl: string, options: ${names.client_options} = {}) {
% if s["headers"]:
    this.#transport = new ClientTransport(baseUrl, options, {
% for h in s["headers"]:
      ${property_key(h.prop)}: ${ts_string(h.name)},
% endfor
    });
% else:
    this.#transport = new ClientTransport(baseUrl, options, {});
% endif
  }
% else:
  /** The service has no methods; the constructor matches those of other clients. */
  constructor(_baseUrl: string, _options: ${names.client_options} = {}) {}
% endif
% for m in s["methods"]:

% if m.streaming:
% for line in m.doc:
${line}
% endfor
% for line in m.signature:
${line}
% endfor
    return eventData(this.${m.events_name}(${m.request_param}, options));
  }

% for line in m.events_doc:
${line}
% endfor
% for line in m.events_signature:
${line}
% endfor
    return this.#transport.stream<${m.response_type}>(
% for line in m.call:
${line}
% endfor
      options,
    );
  }
% else:
% for line in m.doc:
${line}
% endfor
% for line in m.signature:
${line}
% endfor
    return this.#transport.unary<${m.response_type}>(
% for line in m.call:
${line}
% endfor
      options,
    );
  }
% endif
% endfor
}
% endfor
