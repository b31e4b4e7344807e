## The types of one proto file: an interface per message, a string-literal union per enum.
${generated_notice}
// source: ${source}
% if imports:

% for line in imports:
${line}
% endfor
% endif
% if not declarations:

export {};
% endif
% for declaration in declarations:

% for line in declaration.doc + declaration.lines:
${line}
% endfor
% endfor
