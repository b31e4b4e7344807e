## The barrel of one directory: its types modules, client and server modules, and runtimes.
${generated_notice}
// source: ${source}

% for specifier in specifiers:
export * from ${ts_string(specifier)};
% endfor
