"""The step catalogue, generated from the step modules, and the checks of feature files against it.

Testers write feature files from the catalogue (`uat steps`, docs/STEPS.md) and the guide (docs/TESTERS.md).
For every step definition the catalogue derives, from the code alone:
- what it NEEDS: the business records earlier steps hand to it, i.e. the parameters of the step function
  that some step provides (its `target_fixture`), directly or through a fixture it uses;
- what it PROVIDES: its `target_fixture`;
- the ROLES it acts as: the roles its function (or a fixture it uses) asks the cast for (`cast["nurse"]`);
- its PARAMETERS: each typed field of the step text with its type in a tester's words (`{percent:d}`: a whole
  number; a field the step hands to `language.named(..., PRODUCT, field)`: a product by its natural key);
- its TABLE: the columns of the data table it reads (`language.reads_table`, or its `table_rows` call).

The signature is the declaration: every parameter of a step function is a typed field of the step text, a
harness fixture (`HARNESS_FIXTURES`), pytest-bdd's `datatable`/`docstring`, or a record some step
provides; `catalogue_problems` names any other, a field type the catalogue cannot explain, and a table whose
columns cannot be read. `uat steps --check` fails on any of them (CI).

`uat steps --check` (and `uat run`, before anything is written) rejects a feature whose steps no
definition matches (suggesting the closest catalogued ones), a scenario in which a step needs a record
no earlier step of that scenario provides (for every Examples row of an outline, Background included), a data
table that does not fit the step's columns, and (`uat steps --check`) an Examples `site` that names no site.
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import inspect
import pkgutil
import re
import textwrap
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _pytest.fixtures import FixtureFunctionDefinition
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import Feature, FeatureParser, Scenario, ScenarioTemplate, Step
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from odoo_uat.config import DEFAULT_FEATURES_DIR, DEFAULT_SITES_DIR, PROJECT_ROOT, project_on_path
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import FeatureFileError
from odoo_uat.language import FIELD_TYPES, SITE_COLUMN, Column, Kind, declared_columns, example_sites, table_rows

STEPS_PACKAGE = "steps"

# The harness's own fixtures a step function may ask for: every other parameter is a typed field of the
# step text or a record an earlier step provides. Listed here, not discovered, so that a misspelt
# parameter fails CI (`catalogue_problems`) instead of a run; tests check each is a defined fixture.
HARNESS_FIXTURES: Mapping[str, str] = {
    "site": "fixtures.target",
    "run_id": "fixtures.target",
    "uat_target": "fixtures.target",
    "session_pool": "fixtures.target",
    "target_settings": "fixtures.target",
    "resolved_sites": "fixtures.target",
    "site_code": "fixtures.options",
    "cast": "fixtures.actors",
    "scenario_mode": "fixtures.mode",
    "month_end_period_lock": "steps.closing",
    "period_close_turn": "steps.closing",
    "close_entries_reversed": "steps.closing",
    "store_turn": "steps.ward_stock",
    "leftover_run_tickets_archived": "steps.service_desk",
    "helpdesk_technical_user": "steps.service_desk",
    "leftover_run_requests_cancelled": "steps.maintenance",
    "request": "pytest",
}
# pytest-bdd hands these to a step function from the feature's step itself (a data table, a doc string).
STEP_ARGUMENTS = ("datatable", "docstring")
CAST_FIXTURE = "cast"


def step_module_names() -> list[str]:
    """Every module of the `steps` package, so a new domain module needs no registration."""
    project_on_path()
    package = importlib.import_module(STEPS_PACKAGE)
    return sorted(f"{STEPS_PACKAGE}.{info.name}" for info in pkgutil.iter_modules(package.__path__) if not info.ispkg)


@dataclass(frozen=True)
class StepDefinition:
    keyword: str  # given / when / then
    text: str  # the pattern as written, with {typed:fields}
    domain: str  # the step module, e.g. "purchase"
    summary: str
    provides: str | None  # the fixture it returns (target_fixture)
    context: StepFunctionContext = field(compare=False)
    parameters: tuple[str, ...] = ()  # what pytest-bdd fills: required parameters of the step function
    fields: tuple[str, ...] = ()  # the typed fields of the step text
    needs: tuple[str, ...] = ()  # records earlier steps must have provided
    roles: tuple[str, ...] = ()  # the roles it asks the cast for
    # (field, its format spec's type: "d", "RelativeDay", "" for text; what it takes in a tester's words, or None)
    field_types: tuple[tuple[str, str, str | None], ...] = ()
    named_kinds: tuple[tuple[str, Kind], ...] = ()  # (field, the kind of record it names) read from its code
    table: tuple[Column, ...] | None = None  # the columns of the data table it reads, if it reads one

    @property
    def reads_table(self) -> bool:
        return "datatable" in self.parameters

    def parameter_words(self) -> list[tuple[str, str]]:
        """Each typed field of the step text and what it takes, in a tester's words."""
        kinds = dict(self.named_kinds)
        words = []
        for name, spec, described in self.field_types:
            if name in kinds and spec in {"", "w"}:
                words.append((name, kinds[name].describe()))
            else:
                words.append((name, described or f"a {spec}"))
        return words

    @property
    def key(self) -> tuple[str, str, str]:
        return self.keyword, self.text, self.domain

    @property
    def title(self) -> str:
        return f"{self.keyword.capitalize()} {self.text}"

    @property
    def location(self) -> str:
        code = self.context.step_func.__code__
        return f"{_relative(Path(code.co_filename))}:{code.co_firstlineno}"

    def matches(self, keyword: str, text: str) -> bool:
        return self.keyword in {keyword, "*"} and self.context.parser.is_matching(text)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _required_parameters(function: Callable[..., object]) -> tuple[str, ...]:
    """The parameters pytest-bdd fills (the same rule as its `get_required_args`)."""
    return tuple(
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind == parameter.POSITIONAL_OR_KEYWORD and parameter.default is parameter.empty
    )


def _typed_fields(context: StepFunctionContext) -> tuple[str, ...]:
    """The named fields of the step text: `parsers.parse`/`cfparse` fields or `parsers.re` groups."""
    parser = context.parser
    compiled = getattr(parser, "parser", None)
    if compiled is not None:
        return tuple(getattr(compiled, "named_fields", ()))
    regex = getattr(parser, "regex", None)
    if regex is not None:
        return tuple(regex.groupindex)
    return ()


_TYPE_OF_SPEC = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def _field_types(context: StepFunctionContext) -> tuple[tuple[str, str, str | None], ...]:
    """Each named field of the step text with the type of its format spec (`{percent:d}` -> "d", text -> "") and
    what it takes in a tester's words: language.FIELD_TYPES, or the `describe` text of a step module's own parse
    type (`parse_expired_lot_answer.describe = '"accepting" or "refusing"'`); None if neither explains it."""
    compiled = getattr(context.parser, "parser", None)
    specs: Mapping[str, str] = getattr(compiled, "_name_types", {}) if compiled is not None else {}
    extra_types: Mapping[str, object] = getattr(compiled, "_extra_types", None) or {}
    found = []
    for name in _typed_fields(context):
        match = _TYPE_OF_SPEC.search(specs.get(name, ""))
        spec = match.group(0) if match else ""
        described = getattr(extra_types.get(spec), "describe", None)
        words = described if isinstance(described, str) else FIELD_TYPES.get(spec)
        found.append((name, spec, words))
    return tuple(found)


@functools.cache
def _source_tree(function: Callable[..., object]) -> ast.AST | None:
    """A function's code as a syntax tree (cached: the catalogue reads a helper once for every step calling it)."""
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return None


def _called(node: ast.Call, name: str) -> bool:
    target = node.func
    return (isinstance(target, ast.Name) and target.id == name) or (
        isinstance(target, ast.Attribute) and target.attr == name
    )


def _argument(node: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(node.args) > position and not any(isinstance(arg, ast.Starred) for arg in node.args[: position + 1]):
        return node.args[position]
    return next((item.value for item in node.keywords if item.arg == keyword), None)


def _constant_of(node: ast.expr, namespace: Mapping[str, Any]) -> object:
    """The value of a declaration written in a step's code: names, attributes, literals, lists and tuples of them,
    and `Column(...)`; LookupError for anything else (nothing is called but Column)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in namespace:
            return namespace[node.id]
        raise LookupError(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_constant_of(node.value, namespace), node.attr)
    if isinstance(node, ast.List | ast.Tuple):
        values: list[object] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                spread = _constant_of(element.value, namespace)
                if not isinstance(spread, list | tuple):
                    raise LookupError(ast.dump(element))
                values.extend(spread)
            else:
                values.append(_constant_of(element, namespace))
        return values
    if isinstance(node, ast.Call) and _constant_of(node.func, namespace) is Column:
        arguments = [_constant_of(argument, namespace) for argument in node.args]
        keywords = {item.arg: _constant_of(item.value, namespace) for item in node.keywords if item.arg}
        return Column(*arguments, **keywords)  # type: ignore[arg-type]
    raise LookupError(ast.dump(node))


def _kind_of(expression: ast.expr, tree: ast.AST, namespace: Mapping[str, Any]) -> Kind | None:
    """The Kind an expression of a step's code stands for: a constant (`LOCATION`), or a local variable set from a
    module function that returns one (`kind = _category_kind(helpdesk)`: the first Kind constant it returns)."""
    try:
        value = _constant_of(expression, namespace)
    except (LookupError, AttributeError):
        value = None
    if isinstance(value, Kind):
        return value
    if not isinstance(expression, ast.Name):
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        if not any(isinstance(target, ast.Name) and target.id == expression.id for target in node.targets):
            continue
        function = namespace.get(node.value.func.id) if isinstance(node.value.func, ast.Name) else None
        returned = _source_tree(function) if inspect.isfunction(function) else None
        for inner in ast.walk(returned) if returned is not None else ():
            if isinstance(inner, ast.Return) and inner.value is not None:
                try:
                    candidate = _constant_of(inner.value, getattr(function, "__globals__", {}))
                except (LookupError, AttributeError, TypeError):
                    continue
                if isinstance(candidate, Kind):
                    return candidate
    return None


def _named_kinds(
    function: Callable[..., object], fields: Iterable[str], depth: int = 3
) -> tuple[tuple[str, Kind], ...]:
    """The fields a step function hands to `language.named(site, gateway, KIND, field)`, with their kind: directly,
    or through the module's own functions it passes the field to (`_named_ward(site, actor, ward)`)."""
    fields = set(fields)
    tree = _source_tree(function) if fields else None
    if tree is None:
        return ()
    namespace = getattr(function, "__globals__", {})
    found: dict[str, Kind] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _called(node, "named"):
            kind, said = _argument(node, 2, "kind"), _argument(node, 3, "said")
            if not isinstance(said, ast.Name) or said.id not in fields or kind is None:
                continue
            value = _kind_of(kind, tree, namespace)
            if value is not None:
                found.setdefault(said.id, value)
        elif depth > 0 and isinstance(node.func, ast.Name) and inspect.isfunction(namespace.get(node.func.id)):
            callee = namespace[node.func.id]
            keywords = {item.arg: item.value for item in node.keywords if item.arg}
            try:
                bound = inspect.signature(callee).bind_partial(*node.args, **keywords)
            except TypeError:
                continue
            passed = {
                parameter: argument.id
                for parameter, argument in bound.arguments.items()
                if isinstance(argument, ast.Name) and argument.id in fields
            }
            if not passed:
                continue
            for parameter, named_kind in _named_kinds(callee, passed, depth - 1):
                found.setdefault(passed[parameter], named_kind)
    return tuple(found.items())


def _table_columns(function: Callable[..., object]) -> tuple[Column, ...] | None:
    """The columns of the data table a step reads: its `reads_table` declaration, else its own
    `table_rows(datatable, COLUMNS, ...)` call when COLUMNS can be read from the code; None if neither."""
    declared = declared_columns(function)
    if declared is not None:
        return declared
    tree = _source_tree(function)
    if tree is None:
        return None
    namespace = getattr(function, "__globals__", {})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not _called(node, "table_rows"):
            continue
        table, columns = _argument(node, 0, "datatable"), _argument(node, 1, "columns")
        if not (isinstance(table, ast.Name) and table.id == "datatable") or columns is None:
            continue
        try:
            value = _constant_of(columns, namespace)
        except (LookupError, AttributeError, TypeError):
            return None
        if isinstance(value, list | tuple) and value and all(isinstance(column, Column) for column in value):
            return tuple(value)
    return None


def fixture_functions() -> dict[str, Callable[..., object]]:
    """The fixtures the harness's plugins and the step modules define, by name, as plain functions."""
    project_on_path()
    modules = sorted({module for module in HARNESS_FIXTURES.values() if module != "pytest"} | set(step_module_names()))
    found: dict[str, Callable[..., object]] = {}
    for name in modules:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, FixtureFunctionDefinition):
                found[value.name] = value._get_wrapped_function()
    return found


@dataclass(frozen=True)
class CastUse:
    roles: frozenset[str]
    unresolved: tuple[str, ...]  # "file:line" where the cast is used other than as cast["literal role"]


def cast_use(function: Callable[..., object]) -> CastUse:
    """The roles a function asks the cast for, read from its code: only `cast["<role>"]` can be read reliably."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return CastUse(frozenset(), (f"{function.__qualname__}: source not available",))
    tree = ast.parse(source)
    read: set[int] = set()
    roles: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == CAST_FIXTURE
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            roles.add(node.slice.value)
            read.add(id(node.value))
    code = function.__code__
    unresolved = tuple(
        f"{_relative(Path(code.co_filename))}:{code.co_firstlineno + node.lineno - 1}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == CAST_FIXTURE and id(node) not in read
    )
    return CastUse(frozenset(roles), unresolved)


def _fixtures_used(
    names: Iterable[str], fixtures: Mapping[str, Callable[..., object]], provided: set[str]
) -> Iterator[Callable[..., object]]:
    """The fixture functions reached from these parameter names, through the fixtures they ask for in turn."""
    seen: set[str] = set()
    pending = [name for name in names if name not in provided]
    while pending:
        name = pending.pop()
        if name in seen or name not in fixtures or name == CAST_FIXTURE:
            continue
        seen.add(name)
        yield fixtures[name]
        pending.extend(p for p in _required_parameters(fixtures[name]) if p not in provided)


def step_definitions() -> list[StepDefinition]:
    """The catalogue: every step definition of the `steps` package."""
    for name in step_module_names():
        importlib.import_module(name)
    contexts = []
    for context in list(step_function_context_registry.values()):
        module = inspect.getmodule(context.step_func)
        if module is not None and module.__name__.startswith(f"{STEPS_PACKAGE}."):
            contexts.append((module.__name__.removeprefix(f"{STEPS_PACKAGE}."), context))
    return describe_steps(contexts)


def describe_steps(contexts: Iterable[tuple[str, StepFunctionContext]]) -> list[StepDefinition]:
    """What each step (domain, pytest-bdd context) needs, provides and acts as, read from its code."""
    contexts = list(contexts)
    provided = {context.target_fixture for _, context in contexts if context.target_fixture}
    fixtures = fixture_functions()
    found = []
    for domain, context in contexts:
        parameters = _required_parameters(context.step_func)
        fields = _typed_fields(context)
        asked = [p for p in parameters if p not in fields and p not in STEP_ARGUMENTS]
        used = list(_fixtures_used(asked, fixtures, provided))
        needs = [p for p in asked if p in provided]
        for fixture in used:
            needs += [p for p in _required_parameters(fixture) if p in provided]
        roles = set(cast_use(context.step_func).roles)
        for fixture in used:
            if CAST_FIXTURE in _required_parameters(fixture):
                roles |= cast_use(fixture).roles
        found.append(
            StepDefinition(
                keyword=context.type or "*",
                text=context.parser.name,
                domain=domain,
                summary=" ".join((inspect.getdoc(context.step_func) or "").split("\n\n")[0].split()),
                provides=context.target_fixture,
                context=context,
                parameters=parameters,
                fields=fields,
                needs=tuple(dict.fromkeys(needs)),
                roles=tuple(sorted(roles)),
                field_types=_field_types(context),
                named_kinds=_named_kinds(context.step_func, fields),
                table=_table_columns(context.step_func) if "datatable" in parameters else None,
            )
        )
    unique = {d.key: d for d in found}
    return sorted(unique.values(), key=lambda d: (d.domain, ("given", "when", "then", "*").index(d.keyword), d.text))


def catalogue_problems(definitions: list[StepDefinition]) -> list[str]:
    """What makes a step's declaration (its signature and text) unreliable; CI requires none."""
    from odoo_uat.profiles import ROLE_NAMES

    provided = {d.provides for d in definitions if d.provides}
    problems = []
    for definition in definitions:
        where = f"{definition.location}: {definition.title!r}"
        for parameter in definition.parameters:
            if parameter in definition.fields or parameter in STEP_ARGUMENTS:
                continue
            if parameter not in HARNESS_FIXTURES and parameter not in provided:
                problems.append(
                    f"{where}: parameter {parameter!r} is neither a typed field of the step text, a harness "
                    "fixture (odoo_uat.catalogue.HARNESS_FIXTURES) nor provided by any step (target_fixture)"
                )
        signature = inspect.signature(definition.context.step_func).parameters
        for name in definition.fields:
            if name not in signature:
                problems.append(f"{where}: the step text's field {name!r} is not a parameter of the step function")
        if definition.provides in HARNESS_FIXTURES:
            problems.append(f"{where}: provides {definition.provides!r}, the name of a harness fixture")
        for name, spec, words in definition.field_types:
            if words is None:
                problems.append(
                    f"{where}: the type {spec!r} of field {name!r} is not one the catalogue can explain to a tester: "
                    "use one of odoo_uat.language.FIELD_TYPES or give the parse type a `describe` text"
                )
        if definition.reads_table and definition.table is None:
            problems.append(
                f"{where}: reads a data table whose columns cannot be read from its code: declare them with "
                "@reads_table(...) (odoo_uat.language) or call table_rows(datatable, COLUMNS, ...) in the step"
            )
        for role in definition.roles:
            if role not in ROLE_NAMES:
                problems.append(f"{where}: asks the cast for {role!r}, which is not a role ({', '.join(ROLE_NAMES)})")
    fixtures = fixture_functions()
    for name, module in HARNESS_FIXTURES.items():
        if not module.startswith(f"{STEPS_PACKAGE}.") or name not in fixtures:
            continue
        for parameter in _required_parameters(fixtures[name]):
            if parameter not in HARNESS_FIXTURES and parameter not in provided:
                problems.append(
                    f"{module}: fixture {name!r}: parameter {parameter!r} is neither a harness fixture "
                    "(odoo_uat.catalogue.HARNESS_FIXTURES) nor provided by any step (target_fixture)"
                )
    functions = {id(d.context.step_func): d.context.step_func for d in definitions}
    functions |= {id(f): f for f in fixtures.values() if CAST_FIXTURE in _required_parameters(f)}
    for function in functions.values():
        for place in cast_use(function).unresolved:
            problems.append(
                f'{place}: {function.__qualname__} uses the cast other than as cast["<role>"]: '
                "the roles it acts as cannot be read from the code"
            )
    return problems


@dataclass(frozen=True)
class StepProblem:
    file: str
    line: int
    keyword: str
    text: str
    problem: str
    suggestions: tuple[str, ...] = ()
    suggestions_title: str = "closest catalogued steps"

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.keyword.capitalize()} {self.text!r}: {self.problem}"
        if self.suggestions:
            text += f"\n    {self.suggestions_title}:\n" + "\n".join(f"      {s}" for s in self.suggestions)
        return text


def parse_features(directory: Path) -> list[Feature]:
    """Parse every .feature file; a malformed one is a FeatureFileError naming file and line."""
    features = []
    for path in sorted(directory.rglob("*.feature")):
        try:
            features.append(FeatureParser(str(path.parent), path.name).parse())
        except GherkinParseError as exc:
            raise FeatureFileError(f"{path}:{exc.line}: {exc.message} (line: {exc.line_content.strip()!r})") from exc
        except Exception as exc:  # the Gherkin library raises its own types for some syntax errors
            raise FeatureFileError(f"{path}: not a valid feature file: {exc}") from exc
    return features


@dataclass(frozen=True)
class Rendering:
    """One scenario as it runs: an Examples row of an outline rendered (or the scenario itself)."""

    template: ScenarioTemplate
    scenario: Scenario
    example: Mapping[str, str]

    def label(self) -> str:
        row = ", ".join(f"{name}={value}" for name, value in self.example.items())
        return f"scenario {self.template.name!r}" + (f" (Examples row {row})" if row else "")


def renderings(feature: Feature) -> Iterator[Rendering]:
    for template in feature.scenarios.values():
        contexts = [context for examples in template.examples for context in examples.as_contexts()] or [{}]
        for context in contexts:
            yield Rendering(template, template.render(context), context)


def _binding(step: Step, definitions: list[StepDefinition], file: str) -> StepDefinition | StepProblem:
    matching = [d for d in definitions if d.matches(step.type, step.name)]
    if len(matching) == 1:
        return matching[0]
    if matching:
        return StepProblem(
            file,
            step.line_number,
            step.type,
            step.name,
            "matches several definitions: " + "; ".join(f"{d.domain}: {d.text}" for d in matching),
        )
    same_kind = [d.text for d in definitions if d.keyword in {step.type, "*"}]
    suggestions = difflib.get_close_matches(step.name, same_kind, n=3, cutoff=0.3)
    return StepProblem(
        file,
        step.line_number,
        step.type,
        step.name,
        "no step definition matches",
        tuple(f"{step.type.capitalize()} {s}" for s in suggestions),
    )


def _argument_problems(step: Step, definition: StepDefinition, file: str) -> list[StepProblem]:
    """A data table or doc string the step function requires but the step lacks, or takes but would ignore."""
    accepted = inspect.signature(definition.context.step_func).parameters
    problems = []
    for argument, given, what in (
        ("datatable", step.datatable is not None, "a data table"),
        ("docstring", step.docstring is not None, "a doc string"),
    ):
        if argument in definition.parameters and not given:
            problems.append(StepProblem(file, step.line_number, step.type, step.name, f"the step needs {what}"))
        elif given and argument not in accepted:
            problems.append(
                StepProblem(
                    file,
                    step.line_number,
                    step.type,
                    step.name,
                    f"the step has {what}, which its definition ({definition.domain}) does not take",
                )
            )
    return problems


def _table_problem(step: Step, definition: StepDefinition, file: str, label: str) -> StepProblem | None:
    """A data table that does not fit the columns the step reads (header or a cell), as the run would find it."""
    if step.datatable is None or definition.table is None:
        return None
    raw = [[str(cell) for cell in row] for row in step.datatable.raw()]
    try:
        table_rows(raw, definition.table, step="the table")
    except FeatureFileError as error:
        problem = str(error).removeprefix("the table: ")
        where = f" ({label})" if "Examples row" in label else ""
        return StepProblem(file, step.line_number, step.type, step.name, f"{problem}{where}")
    return None


def check_features(features: Iterable[Feature], definitions: list[StepDefinition]) -> list[StepProblem]:
    """Every step bound to one definition, every step's needs provided by an earlier step of its scenario, every
    data table fitting its step's columns (the Examples `site` codes: `site_column_problems`)."""
    features = list(features)
    providers: dict[str, list[str]] = {}
    for definition in definitions:
        if definition.provides:
            providers.setdefault(definition.provides, []).append(definition.title)
    # one problem per file, line and kind, however many Examples rows (or scenarios, for a Background) meet it
    problems: dict[tuple[str, int, str, str], StepProblem] = {}
    for feature in features:
        for rendering in renderings(feature):
            available: set[str] = set()
            for step in rendering.scenario.steps:
                bound = _binding(step, definitions, feature.filename)
                if isinstance(bound, StepProblem):
                    problems.setdefault((bound.file, bound.line, bound.text, bound.problem), bound)
                    continue
                for problem in _argument_problems(step, bound, feature.filename):
                    problems.setdefault((problem.file, problem.line, problem.text, problem.problem), problem)
                table_problem = _table_problem(step, bound, feature.filename, rendering.label())
                if table_problem is not None:
                    key = (table_problem.file, table_problem.line, table_problem.text, table_problem.problem)
                    problems.setdefault(key, table_problem)
                for need in bound.needs:
                    if need in available:
                        continue
                    problem = StepProblem(
                        feature.filename,
                        step.line_number,
                        step.type,
                        step.name,
                        f"needs `{need}`, which no earlier step of {rendering.label()} provides",
                        tuple(providers.get(need, ())),
                        f"steps that provide `{need}`",
                    )
                    problems.setdefault((problem.file, problem.line, problem.text, f"needs {need}"), problem)
                if bound.provides:
                    available.add(bound.provides)
    return sorted(problems.values(), key=lambda p: (p.file, p.line))


# -- the `site` column of an Examples table -----------------------------------------------------------------


def _examples_row_lines(path: Path, examples_line: int) -> list[int]:
    """The line of each body row of the Examples table that starts at `examples_line` (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows: list[int] = []
    for number, line in enumerate(lines[examples_line:], start=examples_line + 1):
        text = line.strip()
        if text.startswith("|"):
            rows.append(number)
        elif text and not text.startswith("#"):
            break
    return rows[1:]  # the first is the header


@dataclass(frozen=True)
class ExamplesProblem:
    """An Examples row that names what the harness does not know (a site)."""

    file: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}"


PER_COMPANY_TAG = "per_company"


def has_site_column(features: Iterable[Feature]) -> bool:
    return any(
        name.strip().lower() == SITE_COLUMN
        for feature in features
        for template in feature.scenarios.values()
        for examples in template.examples
        for name in examples.example_params
    )


def site_column_problems(
    features: Iterable[Feature], site_codes: Collection[str], site_cycles: Mapping[str, Collection[str]] | None = None
) -> list[ExamplesProblem]:
    """Every Examples `site` code that names no site profile, or (with `site_cycles`, the cycles each site's profile
    has a section for) a site whose profile lacks the scenario's cycle: either way the row would never run."""
    known = {code.upper() for code in site_codes}
    problems = []
    for feature in features:
        for template in feature.scenarios.values():
            cycles = _cycles_of(feature, template)
            for examples in template.examples:
                if not any(name.strip().lower() == SITE_COLUMN for name in examples.example_params):
                    continue
                if PER_COMPANY_TAG in feature.tags | template.tags:
                    problem = (
                        f"scenario {template.name!r} runs once per company (@{PER_COMPANY_TAG}), for the first "
                        "selected site of each: a `site` column would leave the rows of its other sites unrun"
                    )
                    problems.append(
                        ExamplesProblem(feature.filename, examples.line_number or template.line_number, problem)
                    )
                    continue
                lines = _examples_row_lines(Path(feature.filename), examples.line_number or template.line_number)
                for index, example in enumerate(examples.as_contexts()):
                    line = lines[index] if index < len(lines) else examples.line_number or template.line_number
                    for code in sorted(example_sites(example) or set()):
                        if code not in known:
                            problem = (
                                f"the Examples row's site {code!r} names no site profile (the sites are "
                                f"{', '.join(sorted(known)) or 'none'})"
                            )
                        elif site_cycles is not None and cycles and not cycles & set(site_cycles.get(code, ())):
                            problem = (
                                f"the Examples row's site {code!r} has no {', '.join(sorted(cycles))} section in its "
                                "profile"
                            )
                        else:
                            continue
                        problems.append(
                            ExamplesProblem(
                                feature.filename,
                                line,
                                f"scenario {template.name!r}: {problem}: the row would never run",
                            )
                        )
    return problems


# The harness's bundled feature files serve the reference rollout and the second rollout CI runs them for (its
# integrator's profiles), so their Examples hold rows for the sites of both; `uat init` copies them into a
# programme. The sites of these rollouts are therefore always codes a feature may name: such a row never runs for
# a programme's own sites (whose profiles take precedence for a code both define), and a typo still names none.
BUNDLED_ROLLOUTS_SITES_DIRS = (DEFAULT_SITES_DIR, PROJECT_ROOT / "tests" / "rollouts" / "meridian" / "sites")


def known_sites(sites_dirs: Iterable[Path]) -> dict[str, frozenset[str]]:
    """The sites an Examples `site` may name, each with the cycles its profile has: those of `sites_dirs` (the
    run's or the programme's), then those of the harness's bundled rollouts that these do not define."""
    own_dirs = list(sites_dirs)
    own = site_profiles_cycles(own_dirs)
    given = {directory.resolve() for directory in own_dirs}
    bundled = [d for d in BUNDLED_ROLLOUTS_SITES_DIRS if d.is_dir() and d.resolve() not in given]
    return {**site_profiles_cycles(bundled), **own}


def site_profiles_cycles(directories: Iterable[Path]) -> dict[str, frozenset[str]]:
    """The sites of these sites directories, each with the cycles its profile has a section for."""
    from odoo_uat.profiles import load_profiles

    found: dict[str, set[str]] = {}
    for directory in directories:
        for loaded in load_profiles(directory):
            cycles = {cycle for cycle in CYCLE_NAMES if getattr(loaded.profile, cycle, None) is not None}
            found.setdefault(loaded.profile.code.upper(), set()).update(cycles)
    return {code: frozenset(cycles) for code, cycles in found.items()}


def require_bound_steps(directory: Path, sites_dirs: Iterable[Path] | None = None) -> list[Feature]:
    """The feature files under `directory`, or a FeatureFileError (exit 13) naming every step problem.

    A catalogue problem (a step whose needs, parameters or table the catalogue cannot read from its code) fails
    the check too: the feature files cannot be checked against a step the catalogue cannot describe. With
    `sites_dirs`, an Examples `site` must name a site of one of them or of the bundled rollouts (`known_sites`),
    whose profile has the scenario's cycle; the profiles are read only if some Examples table has a `site` column.
    """
    definitions = step_definitions()
    unreadable = catalogue_problems(definitions)
    if unreadable:
        raise FeatureFileError(
            f"{len(unreadable)} catalogue problem(s): the catalogue cannot tell what these steps need or take, "
            "so no feature file can be checked against them:\n" + "\n".join(unreadable)
        )
    features = parse_features(directory)
    problems: list[StepProblem | ExamplesProblem] = [*check_features(features, definitions)]
    if sites_dirs is not None and has_site_column(features):
        sites = known_sites(sites_dirs)
        problems = sorted([*problems, *site_column_problems(features, sites, sites)], key=lambda p: (p.file, p.line))
    if problems:
        raise FeatureFileError(
            f"{len(problems)} step problem(s) in the feature files under {directory} "
            "(the catalogue, with what each step needs: `uat steps`):\n" + "\n".join(str(p) for p in problems)
        )
    return features


# -- what the feature files do with the catalogue -------------------------------------------------------


def _cycles_of(feature: Feature, template: ScenarioTemplate) -> set[str]:
    return (set(feature.tags) | set(template.tags)) & set(CYCLE_NAMES)


@dataclass
class StepUsage:
    cycles: set[str] = field(default_factory=set)
    features: set[str] = field(default_factory=set)  # the feature files (names without .feature) that use it
    example: str = ""  # one line of a feature file that uses the step, with where it is
    outline_example: str = ""  # the same from an outline, rendered, if no plain scenario uses the step


def _example_line(feature: Feature, rendering: Rendering, step: Step) -> str:
    where = f"{_relative(Path(feature.filename))}:{step.line_number}"
    if rendering.example:
        where += ", as an Examples row of the outline renders it"
    line = f"`{step.type.capitalize()} {step.name}`"
    if step.datatable is not None and step.datatable.raw():
        header = " | ".join(str(cell) for cell in step.datatable.raw()[0])
        line += f" with a table `| {header} |`"
    return f"{line} ({where})"


def step_usage(features: Iterable[Feature], definitions: list[StepDefinition]) -> dict[tuple[str, str, str], StepUsage]:
    """For each definition: the cycles (feature tags) whose scenarios use it, and one line that does (a plain
    scenario's if any uses it, else an outline's as its Examples row renders it)."""
    usage: dict[tuple[str, str, str], StepUsage] = {d.key: StepUsage() for d in definitions}
    for feature in sorted(features, key=lambda f: f.filename):
        for rendering in renderings(feature):
            for step in rendering.scenario.steps:
                bound = _binding(step, definitions, feature.filename)
                if isinstance(bound, StepProblem):
                    continue
                entry = usage[bound.key]
                entry.cycles |= _cycles_of(feature, rendering.template)
                entry.features.add(Path(feature.filename).stem)
                if rendering.template.templated:
                    entry.outline_example = entry.outline_example or _example_line(feature, rendering, step)
                else:
                    entry.example = entry.example or _example_line(feature, rendering, step)
    for entry in usage.values():
        entry.example = entry.example or entry.outline_example
    return usage


def roles_by_cycle(
    directory: Path = DEFAULT_FEATURES_DIR, definitions: list[StepDefinition] | None = None
) -> dict[str, frozenset[str]]:
    """The roles each cycle's scenarios act as: the roles of the steps its feature files use."""
    definitions = step_definitions() if definitions is None else definitions
    usage = step_usage(parse_features(directory), definitions)
    roles: dict[str, set[str]] = {cycle: set() for cycle in CYCLE_NAMES}
    for definition in definitions:
        for cycle in usage[definition.key].cycles:
            roles[cycle].update(definition.roles)
    return {cycle: frozenset(found) for cycle, found in roles.items()}


def _names(values: Iterable[str]) -> str:
    return ", ".join(f"`{value}`" for value in values)


def _column_words(column: Column) -> str:
    return f"`{column.header}` {column.describe}" + ("" if column.required else " (optional)")


def catalogue_text(definitions: list[StepDefinition]) -> str:
    """`uat steps`: one line per step, with what it needs and provides, then its parameters and table columns."""
    lines = []
    for definition in definitions:
        line = f"[{definition.domain}] {definition.title}"
        if definition.needs:
            line += f"  (needs {', '.join(definition.needs)})"
        if definition.provides:
            line += f"  (provides {definition.provides})"
        lines.append(line)
        for name, words in definition.parameter_words():
            lines.append(f"    {name}: {words}")
        if definition.table is not None:
            lines.append("    table: " + "; ".join(_column_words(column) for column in definition.table))
    return "\n".join(lines)


def catalogue_markdown(definitions: list[StepDefinition], features: list[Feature] | None = None) -> str:
    features = parse_features(DEFAULT_FEATURES_DIR) if features is None else features
    usage = step_usage(features, definitions)
    lines = [
        "# Step catalogue",
        "",
        "Generated from the step modules and the bundled feature files by `uat steps --markdown` "
        "(`make catalogue`); do not edit by hand.",
        "",
        "- A `{field}` in a step is a parameter a feature fills in; *parameters* says what each takes (a whole "
        "number, an amount, a day relative to today, a record by its natural key...).",
        "- *needs*: the records the step works on, which an earlier step of the same scenario must provide "
        "(Background included); `uat steps --check` rejects a scenario where none does.",
        "- *provides*: the record the step hands to the steps after it.",
        "- *as*: the roles of the site's profile the step acts as (`uat doctor` checks each cycle's roles).",
        "- *cycles*: the cycles (feature tags) whose scenarios use the step, with the feature files; *e.g.*: a line "
        "of a feature file "
        "(an outline's as an Examples row renders it).",
        "- *parameters*: what each `{field}` of the step text takes; *table*: the columns of the data table the step "
        "reads (`uat steps --check` rejects a table that does not fit them). How to write each: docs/TESTERS.md.",
    ]
    domain = None
    for definition in definitions:
        if definition.domain != domain:
            domain = definition.domain
            lines += ["", f"## {domain.replace('_', ' ').capitalize()}", ""]
        lines.append(f"- **{definition.keyword.capitalize()}** {definition.text}")
        if definition.summary:
            lines.append(f"  - {definition.summary}")
        facts = [
            f"needs {_names(definition.needs) or 'nothing'}",
            f"provides {_names([definition.provides]) if definition.provides else 'nothing'}",
        ]
        if definition.roles:
            facts.append(f"as {', '.join(definition.roles)}")
        entry = usage[definition.key]
        facts.append(f"cycles: {', '.join(sorted(entry.cycles)) or 'none yet'}")
        if entry.features:
            facts[-1] += f" ({', '.join(f'{name}.feature' for name in sorted(entry.features))})"
        lines.append(f"  - {'; '.join(facts)}")
        parameters = definition.parameter_words()
        if parameters:
            lines.append("  - parameters: " + "; ".join(f"`{name}` {words}" for name, words in parameters))
        if definition.table is not None:
            lines.append("  - table: " + "; ".join(_column_words(column) for column in definition.table))
        if entry.example:
            lines.append(f"  - e.g. {entry.example}")
    providers: dict[str, list[StepDefinition]] = {}
    for definition in definitions:
        if definition.provides:
            providers.setdefault(definition.provides, []).append(definition)
    lines += ["", "## Where each record comes from", "", "| record | provided by |", "|---|---|"]
    for record, steps in sorted(providers.items()):
        lines.append(f"| `{record}` | " + "<br>".join(f"{d.title} ({d.domain})" for d in steps) + " |")
    return "\n".join(lines) + "\n"
