// Builds the console into dist/ (index.html + content-hashed assets/), which `amp serve` ships (--web-dir).
// `npm run dev` proxies the API to a server on 127.0.0.1:8080 (make run).
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

const api = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: { "/v1": api, "/api": api, "/metrics": api, "/healthz": api },
  },
});
