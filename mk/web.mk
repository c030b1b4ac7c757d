# The browser client (web/): TypeScript bundled by esbuild into web/dist, which the API serves at /.
# File-based: web/dist/app.js is rebuilt only when a source under web/ changes.
WEB_SOURCES := $(shell find web/src -name '*.ts' 2>/dev/null) web/index.html web/styles.css web/tsconfig.json
ESBUILD := node_modules/.bin/esbuild
TSC := node_modules/.bin/tsc

.PHONY: web web-typecheck

web: web/dist/app.js ## build the web client into web/dist

# app.js is written last so that its time stamp covers the copied page and stylesheet.
web/dist/app.js: $(WEB_SOURCES) | node_modules/.installed
	@echo "==> building the web client into web/dist"
	@mkdir -p web/dist
	cp web/index.html web/styles.css web/dist/
	$(ESBUILD) web/src/main.ts --bundle --format=esm --target=es2020 --minify --sourcemap \
		--log-level=warning --outfile=$@

web-typecheck: | node_modules/.installed ## typecheck the web client (strict tsc)
	$(TSC) --noEmit -p web

DEPS += web
