## The handler interfaces and route factories of one proto file's services.
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
% for line in jsdoc([service.comment, "Implement it and serve the routes of `%s`." % names.create_routes, "@deprecated" if service.deprecated else ""]):
${line}
% endfor
% if not s["methods"]:
export interface ${names.handler} {}
% else:
export interface ${names.handler} {
% for m in s["methods"]:
% for line in m.doc:
${line}
% endfor
% for line in m.signature:
${line}
% endfor
% endfor
}
% endif

/** The routes of ${service.name}, for `createRouter` or any router that matches method and path. */
% for line in s["routes_signature"]:
${line}
% endfor
% if not s["methods"]:
  return [];
}
% else:
  return [
% for m in s["methods"]:
    ${"streamRoute" if m.streaming else "unaryRoute"}<${m.request_type}, ${m.response_type}>(
% for line in m.spec:
${line}
% endfor
      (request, context) => handler.${m.name}(request, context),
      options,
    ),
% endfor
  ];
}
% endif
% endfor
