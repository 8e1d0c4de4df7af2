/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build: index.html for every app path, assets under /static/ (frontend/dist).
// `npm run dev` proxies the API to a Django started with `make run` (or runserver on :8000).
export default defineConfig(({ command }) => ({
  base: command === "build" ? "/static/" : "/",
  plugins: [react()],
  build: {
    outDir: process.env.FRONTEND_DIST ?? "dist", // FRONTEND_DIST: build elsewhere (Django reads the same variable)
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      "/api": { target: process.env.API_ORIGIN ?? "http://127.0.0.1:8000", changeOrigin: false },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    css: false,
    restoreMocks: true,
  },
}));
