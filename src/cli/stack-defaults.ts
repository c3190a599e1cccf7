/** Where `dev` and `npm start` listen unless told otherwise. */
export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
/** Fixed, so CONNECT_ENDPOINT and bookmarks stay valid across restarts. */
export const DEFAULT_EMULATOR_PORT = 8710;
/** The worker's Prometheus endpoint in the dev stack (Prometheus's own exporter convention). */
export const DEFAULT_METRICS_PORT = 9464;
/** The codec server the Web UI decodes encrypted payloads through (Temporal's samples use 8888 too). */
export const DEFAULT_CODEC_PORT = 8888;
