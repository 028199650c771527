// GraphiQL against this server: queries and mutations over POST /graphql, subscriptions over
// graphql-transport-ws on the same path (the graphql-ws client bundled in graphiql.min.js; the
// headers editor's content is sent as the connection_init payload, so {"Authorization": "Bearer …"}
// authenticates both). ?query=, ?variables= and ?headers= prefill the editors.
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var origin = window.location.origin;
  var wsOrigin = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host;
  var fetcher = GraphiQL.createFetcher({
    url: origin + '/graphql',
    subscriptionUrl: wsOrigin + '/graphql',
  });
  var props = {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  };
  ['query', 'variables', 'headers'].forEach(function (name) {
    var value = params.get(name);
    if (value !== null) props[name] = value;
  });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
