import { Controller, Get, Header } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../config/configuration';
import { InjectConfig } from '../../config/app-config.module';
import { openApiDocument } from './openapi-document';

/** Where the document and its UI are served: beside the versioned API, not inside it. */
export const DOCS_ROUTE = 'api/docs';
/** swagger-ui-dist's files, mounted by app.factory.ts. */
export const DOCS_ASSETS_ROUTE = `/${DOCS_ROUTE}/assets`;

export const backendVersion = (): string =>
  (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/** The OpenAPI document (JSON) and Swagger UI over it; public, as the contract is no secret. */
@Controller(DOCS_ROUTE)
export class DocsController {
  private readonly document: string;

  constructor(@InjectConfig() config: AppConfig) {
    this.document = JSON.stringify(openApiDocument({ maxQueryLength: config.search.maxQueryLength, version: backendVersion() }));
  }

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  openapi(): string {
    return this.document;
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  ui(): string {
    // The page loads its script from a file, not inline, so a strict Content-Security-Policy still allows it.
    return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Ethico API</title><link rel="stylesheet" href="${DOCS_ASSETS_ROUTE}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="${DOCS_ASSETS_ROUTE}/swagger-ui-bundle.js"></script>
<script src="/${DOCS_ROUTE}/init.js"></script>
</body>
</html>
`;
  }

  @Get('init.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  init(): string {
    return `window.ui = SwaggerUIBundle({ url: '/${DOCS_ROUTE}/openapi.json', dom_id: '#swagger-ui', persistAuthorization: true });\n`;
  }
}
