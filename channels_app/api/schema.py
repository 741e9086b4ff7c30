"""Schema post-processing: what the generator cannot infer from the serializers."""

from __future__ import annotations

# Operations whose body may be left out: it has no fields (the URL says everything).
OPTIONAL_BODIES = {"customers_loyalty_cards_create"}


def bodies_are_required(result: dict, generator, request, public) -> dict:
    """Every request body of this API with fields is required (an empty one answers 400),
    and an edit (PATCH) names at least one field. drf-spectacular infers "required" from required
    properties, which a polymorphic body (a job's kind) or an all-optional edit lacks."""
    components = result.get("components", {}).get("schemas", {})
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body or operation.get("operationId") in OPTIONAL_BODIES:
                continue
            body["required"] = True
            if method == "patch":
                for content in body["content"].values():
                    ref = content["schema"].get("$ref", "")
                    component = components.get(ref.rsplit("/", 1)[-1])
                    if component is not None:
                        component["minProperties"] = 1
    return result


NO_NUL_PATTERN = r"^[^\x00]*$"


def text_parameters_refuse_nul(result: dict, generator, request, public) -> dict:
    """A path or query parameter that is free text says what the door refuses in it: a
    NUL character (channels_app.middleware answers 400 before any view)."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                free_text = schema.get("type") == "string" and not (
                    {"pattern", "enum", "format"} & set(schema)
                )
                if parameter.get("in") in ("path", "query") and free_text:
                    schema["pattern"] = NO_NUL_PATTERN
    return result


BLANK = {"type": "string", "maxLength": 0}


def blank_or_text_is_any_of(result: dict, generator, request, public) -> dict:
    """A text field that may be left blank: drf-spectacular writes it as oneOf [its
    pattern, blank], yet "" matches both branches, so by oneOf's "exactly one" the schema
    forbids the blank it means to allow (and a generator sends "" as invalid data). Either
    branch is what is meant: anyOf."""

    def visit(node) -> None:
        if isinstance(node, dict):
            branches = node.get("oneOf")
            if isinstance(branches, list) and BLANK in branches:
                node["anyOf"] = node.pop("oneOf")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}))
    return result
