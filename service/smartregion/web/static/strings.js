// The one way a page's script gets its words: the server writes them, in the page's language, into a
// JSON <script> element; "{name}" in a string is replaced by the value given for it, every time it occurs.
// Scripts set the result as text, never as HTML.
window.pageStrings = function (elementId) {
  "use strict";
  var strings = JSON.parse(document.getElementById(elementId).textContent);
  return function (key, values) {
    var text = strings[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  };
};
