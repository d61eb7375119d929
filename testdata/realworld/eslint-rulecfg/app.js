// A file whose eslint-disable comments name rules of plugins this ESLint
// configuration does not load: ESLint reports "Definition for rule ... was
// not found" as results, which are configuration errors, not findings.
const express = require("express"); // eslint-disable-line import/no-unresolved
const app = express();

app.get("/", (req, res) => {
    // eslint-disable-next-line react/no-danger
    res.send("hello");
});

function unused(a) { // an ordinary lint finding: no-unused-vars
    return 1;
}

app.listen(3000);
