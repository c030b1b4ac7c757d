# The browser client (web/) and the operator console (web/console/): TypeScript bundled by
# esbuild into web/dist and web/dist/console, which the API serves at /app/ and /console/.
# File-based: each bundle is rebuilt only when one of its sources changes.
WEB_SOURCES := $(shell find web/src -name '*.ts' 2>/dev/null) web/index.html web/base.css web/styles.css web/tsconfig.json
CONSOLE_SOURCES := $(shell find web/console/src -name '*.ts' 2>/dev/null) web/console/index.html web/base.css web/console/console.css web/tsconfig.json
ESBUILD := node_modules/.bin/esbuild
TSC := node_modules/.bin/tsc

.PHONY: web web-typecheck

web: web/dist/app.js web/dist/console/console.js ## build the web client and the console into web/dist

# app.js is written last so that its time stamp covers the copied page and stylesheet.
# A stylesheet is bundled, not copied: esbuild inlines the shared web/base.css it @imports.
web/dist/app.js: $(WEB_SOURCES) | node_modules/.installed
	@echo "==> building the web client into web/dist"
	@mkdir -p web/dist
	cp web/index.html web/dist/
	$(ESBUILD) web/styles.css --bundle --log-level=warning --outfile=web/dist/styles.css
	$(ESBUILD) web/src/main.ts --bundle --format=esm --target=es2020 --minify --sourcemap \
		--log-level=warning --outfile=$@

# The console needs no livekit-client: its own entry point, its own bundle.
web/dist/console/console.js: $(CONSOLE_SOURCES) | node_modules/.installed
	@echo "==> building the console into web/dist/console"
	@mkdir -p web/dist/console
	cp web/console/index.html web/dist/console/
	$(ESBUILD) web/console/console.css --bundle --log-level=warning --outfile=web/dist/console/console.css
	$(ESBUILD) web/console/src/main.ts --bundle --format=esm --target=es2020 --minify --sourcemap \
		--log-level=warning --outfile=$@

web-typecheck: | node_modules/.installed ## typecheck the web client and the console (strict tsc)
	$(TSC) --noEmit -p web

DEPS += web
