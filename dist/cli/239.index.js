export const id = 239;
export const ids = [239];
export const modules = {

/***/ 9239:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   proxyFetch: () => (/* binding */ proxyFetch)
/* harmony export */ });
/* harmony import */ var _actions_http_client__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2779);
/* harmony import */ var undici__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4371);
/**
 * Requests through the proxy the runner sets, loaded by client.ts only when
 * one applies: undici's fetch with `@actions/http-client`'s proxy dispatcher
 * (`https_proxy` / `http_proxy`, proxy credentials, `no_proxy`), the same
 * transport `@actions/github` gives its Octokit.
 */


function proxyFetch(apiUrl) {
    const dispatcher = new _actions_http_client__WEBPACK_IMPORTED_MODULE_0__/* .HttpClient */ .Qq().getAgentDispatcher(apiUrl);
    const send = undici__WEBPACK_IMPORTED_MODULE_1__/* .fetch */ .hd;
    return (input, init) => send(input, { ...init, dispatcher });
}


/***/ })

};
