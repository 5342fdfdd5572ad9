/**
 * Route schemas compiled when a route first needs them rather than when the server starts. Fastify
 * compiles every route's validators (ajv) and response serializers (fast-json-stringify) at
 * `ready()`; for the service's routes that is about 7 MiB of resident memory (bench:idle) held by
 * a service that may never be asked most of them. These factories hand Fastify a stand-in per
 * route and schema part that compiles, with Fastify's own default compilers and the same options,
 * on its first call: the same checks, the same error objects, the same JSON out.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/** Fastify's option, whose types cover every compiler it accepts (ajv's, JSON type definitions' and more). */
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** What Fastify passes a validator compiler for one route part. */
interface ValidatorRoute {
  readonly schema: unknown;
  readonly method: string;
  readonly url: string;
  readonly httpPart?: string;
}

/** A compiled validator, as ajv and Fastify see it: `errors` is set by a call that returns false. */
interface Validator {
  (data: unknown): unknown;
  errors?: unknown;
}

type ValidatorBuilder = (externalSchemas: unknown, ajvOptions: unknown) => (route: ValidatorRoute) => Validator;
type SerializerBuilder = (externalSchemas: unknown, serializerOptions: unknown) => (route: object) => (data: unknown) => string;

/**
 * Fastify's own compilers (its dependencies @fastify/ajv-compiler and
 * @fastify/fast-json-stringify-compiler), required from fastify's directory as fastify itself
 * requires them, and only when a first schema is compiled.
 */
function fastifyDependency<T>(name: string): T {
  const fastifyMain = createRequire(import.meta.url).resolve('fastify');
  return (createRequire(fastifyMain)(name) as () => T)();
}

/** Fastify's `schemaController.compilersFactory`, compiling each schema on first use. */
export function lazySchemaCompilers(): CompilersFactory {
  const factories: { buildValidator: ValidatorBuilder; buildSerializer: SerializerBuilder } = {
    buildValidator(externalSchemas, ajvOptions) {
      let compile: ReturnType<ValidatorBuilder> | undefined;
      return (route) => {
        let compiled: Validator | undefined;
        const validate: Validator = (data) => {
          compiled ??= (compile ??= fastifyDependency<ValidatorBuilder>('@fastify/ajv-compiler')(externalSchemas, ajvOptions))(route);
          const valid = compiled(data);
          validate.errors = compiled.errors;
          return valid;
        };
        return validate;
      };
    },
    buildSerializer(externalSchemas, serializerOptions) {
      let compile: ReturnType<SerializerBuilder> | undefined;
      return (route) => {
        let compiled: ((data: unknown) => string) | undefined;
        return (data) => {
          compiled ??= (compile ??= fastifyDependency<SerializerBuilder>('@fastify/fast-json-stringify-compiler')(
            externalSchemas,
            serializerOptions,
          ))(route);
          return compiled(data);
        };
      };
    },
  };
  return factories as unknown as CompilersFactory;
}
