// Stands in for the `jsonschema` package in the deployed bundles (see ItsmFunction's bundling).
// ElectroDB uses jsonschema for one thing: checking that a value is a valid entity model, when
// an entity is built and when a Service sorts what it is given into models and entities. Run at
// every cold start, that costs about 45 ms and 28 KB (of a 400 KB budget) to re-check models
// that cannot change after the build. The tests check every entity model with the real
// validator (test/unit/shared/entity-models.test.ts), so a model error still fails the build.
// Here every plain model passes, and an ElectroDB instance (an Entity or a Service, which carry
// the `_instance` marker) is not a model, as the real validator decides for them.
class Validator {
  addSchema() {}
  validate(value) {
    const isElectroInstance = typeof value === 'object' && value !== null && '_instance' in value;
    return {
      errors: isElectroInstance
        ? [{ property: 'instance', message: 'is an ElectroDB instance, not a model' }]
        : [],
    };
  }
}
// ElectroDB registers its custom formats on the prototype.
Validator.prototype.customFormats = {};

module.exports = { Validator };
