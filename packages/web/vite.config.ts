import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** The single-page UI; the server serves `dist/` (packages/server/src/http/web.ts). */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
})
