## The buf.validate checks of one proto file's messages (see ssegen.tsvalidate).
${generated_notice}
// source: ${source}
//
// protovalidate's standard rules of this file's messages: the same violations, in the same order,
// as the Go server's protovalidate.
% if left_to_go:
// Left to the Go server (protovalidate), not checked here:
% for text in left_to_go:
//   - ${text}
% endfor
% endif
% if imports:

% for line in imports:
${line}
% endfor
% endif
% if patterns:

% for line in patterns:
${line}
% endfor
% endif
% if not functions:

export {};
% endif
% for function in functions:

% for line in function:
${line}
% endfor
% endfor
