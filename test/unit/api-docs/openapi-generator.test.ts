import { describe, expect, it } from 'vitest';
import {
  generateOpenApiDocument,
  jsonBody,
  jsonResponse,
  OpenApiRegistry,
  problemResponse,
  registerRoutes,
} from '../../../shared/http/openapi';
import * as z from '../../../shared/zod';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

// Ids unique to this test: zod's global registry refuses a second schema under an id.
const Gadget = z
  .object({ name: z.string().check(z.describe('Name of the gadget, unique to this test')) })
  .check(z.meta({ id: 'GeneratorTestGadget' }));
const GadgetPage = z
  .object({ items: z.array(Gadget), nextCursor: z.nullable(z.string()) })
  .check(z.meta({ id: 'GeneratorTestGadgetPage' }));
const Unused = z.object({ never: z.string() }).check(z.meta({ id: 'GeneratorTestUnused' }));
/** Recursive without an id: zod puts it in its shared defs. */
const Part = z.object({
  label: z.string(),
  get parts() {
    return z.array(Part);
  },
});

function generate() {
  const registry = new OpenApiRegistry();
  registry.registerComponent('securitySchemes', 'jwt', { type: 'http', scheme: 'bearer' });
  registerRoutes(registry, 'Gadgets', {
    'GET /gadgets': {
      summary: 'List gadgets',
      request: {
        query: z.strictObject({
          limit: z._default(z.number().check(z.minimum(1)), 25),
          color: z.optional(z.enum(['red', 'blue'])).check(z.describe('Only gadgets of a color')),
          tag: z.string(),
        }),
      },
      responses: { 200: jsonResponse('A page', GadgetPage), 400: problemResponse('Invalid') },
    },
    'PUT /gadgets/{name}': {
      request: {
        params: z.object({ name: z.string().check(z.describe('The gadget')) }),
        headers: z.object({ 'If-Match': z.string() }),
        body: jsonBody(Gadget),
      },
      responses: {
        200: jsonResponse('The gadget', Gadget, { ETag: 'Version tag' }),
        204: { description: 'Nothing' },
      },
    },
    'POST /assemblies': {
      request: { body: jsonBody(z.object({ gadget: Gadget, count: z.int() })) },
      responses: { 201: jsonResponse('The assembly', Part) },
    },
  });
  return generateOpenApiDocument(registry, { info: { title: 'test', version: '1' } });
}

describe('the OpenAPI generator', () => {
  const document = generate();
  const schemas = document.components.schemas;

  it('puts a schema with an id once in components and refers to it from paths and schemas', () => {
    expect(schemas.GeneratorTestGadget).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Name of the gadget, unique to this test' },
      },
      required: ['name'],
    });
    const put = document.paths['/gadgets/{name}']?.put;
    expect(put?.requestBody?.content['application/json']?.schema).toEqual(
      ref('GeneratorTestGadget'),
    );
    expect(put?.responses['200']?.content?.['application/json']?.schema).toEqual(
      ref('GeneratorTestGadget'),
    );
    expect(schemas.GeneratorTestGadgetPage?.properties?.items).toEqual({
      type: 'array',
      items: ref('GeneratorTestGadget'),
    });
    // an inline body refers to the named schema it holds
    const assembly = document.paths['/assemblies']?.post?.requestBody?.content['application/json'];
    expect(assembly?.schema.properties?.gadget).toEqual(ref('GeneratorTestGadget'));
    // the body of the gadget appears once in the whole document
    expect(JSON.stringify(document).split('unique to this test').length - 1).toBe(1);
  });

  it('keeps only the components the paths use, and no synthetic ids', () => {
    expect(Object.keys(schemas)).not.toContain('GeneratorTestUnused');
    expect(Unused).toBeDefined();
    for (const id of Object.keys(schemas)) expect(id).not.toMatch(/^__/);
    expect(JSON.stringify(document)).not.toContain('__');
  });

  it('turns recursive schemas without an id into components of their own', () => {
    const response = document.paths['/assemblies']?.post?.responses['201'];
    const $ref = response?.content?.['application/json']?.schema.$ref ?? '';
    const id = $ref.replace('#/components/schemas/', '');
    expect(schemas[id]?.properties?.parts).toEqual({ type: 'array', items: { $ref } });
    expect(JSON.stringify(document)).not.toContain('$defs');
  });

  it('documents parameters one by one; a query parameter with a default is not required', () => {
    expect(document.paths['/gadgets']?.get?.parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'number', minimum: 1, default: 25 },
      },
      {
        name: 'color',
        in: 'query',
        required: false,
        schema: { type: 'string', enum: ['red', 'blue'] },
        description: 'Only gadgets of a color',
      },
      { name: 'tag', in: 'query', required: true, schema: { type: 'string' } },
    ]);
    expect(document.paths['/gadgets/{name}']?.put?.parameters).toEqual([
      {
        name: 'name',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description: 'The gadget',
      },
      { name: 'If-Match', in: 'header', required: true, schema: { type: 'string' } },
    ]);
  });

  it('documents problem+json errors, response headers, empty responses and security', () => {
    const list = document.paths['/gadgets']?.get;
    expect(list?.tags).toEqual(['Gadgets']);
    expect(list?.security).toEqual([{ jwt: [] }]);
    expect(list?.responses['400']).toEqual({
      description: 'Invalid',
      content: { 'application/problem+json': { schema: ref('ProblemDetails') } },
    });
    expect(schemas.ProblemDetails?.description).toBe('RFC 9457 problem details');
    const put = document.paths['/gadgets/{name}']?.put;
    expect(put?.responses['200']?.headers).toEqual({
      ETag: { description: 'Version tag', schema: { type: 'string' } },
    });
    expect(put?.responses['204']).toEqual({ description: 'Nothing' });
    expect(document.components.securitySchemes).toEqual({
      jwt: { type: 'http', scheme: 'bearer' },
    });
  });
});
