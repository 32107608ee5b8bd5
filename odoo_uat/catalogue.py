"""The step catalogue, generated from the step modules, and the checks of feature files against it.

Testers write feature files from the catalogue (`uat steps`). For every step definition the catalogue
derives, from the code alone:
- what it NEEDS: the business records earlier steps hand to it, i.e. the parameters of the step function
  that some step provides (its `target_fixture`), directly or through a fixture it uses;
- what it PROVIDES: its `target_fixture`;
- the ROLES it acts as: the roles its function (or a fixture it uses) asks the cast for (`cast["nurse"]`).

The signature is the declaration: every parameter of a step function is a typed field of the step text, a
harness fixture (`HARNESS_FIXTURES`), pytest-bdd's `datatable`/`docstring`, or a record some step
provides; `catalogue_problems` names any other (CI fails on it).

`uat steps --check` (and `uat run`, before anything is written) rejects a feature whose steps no
definition matches (suggesting the closest catalogued ones), and a scenario in which a step needs a record
no earlier step of that scenario provides, for every Examples row of an outline, with the data tables.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from _pytest.fixtures import FixtureFunctionDefinition
from pytest_bdd.exceptions import GherkinParseError
from pytest_bdd.parser import Feature, FeatureParser, Scenario, ScenarioTemplate, Step
from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from odoo_uat.config import DEFAULT_FEATURES_DIR, PROJECT_ROOT, project_on_path
from odoo_uat.cycles import CYCLE_NAMES
from odoo_uat.errors import FeatureFileError

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
                summary=(inspect.getdoc(context.step_func) or "").split("\n")[0],
                provides=context.target_fixture,
                context=context,
                parameters=parameters,
                fields=fields,
                needs=tuple(dict.fromkeys(needs)),
                roles=tuple(sorted(roles)),
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


def check_features(features: Iterable[Feature], definitions: list[StepDefinition]) -> list[StepProblem]:
    """Every step bound to one definition, and every step's needs provided by an earlier step of its scenario."""
    providers: dict[str, list[str]] = {}
    for definition in definitions:
        if definition.provides:
            providers.setdefault(definition.provides, []).append(definition.title)
    problems: dict[tuple[int, str, str], StepProblem] = {}
    for feature in features:
        for rendering in renderings(feature):
            available: set[str] = set()
            for step in rendering.scenario.steps:
                bound = _binding(step, definitions, feature.filename)
                if isinstance(bound, StepProblem):
                    problems.setdefault((bound.line, bound.text, bound.problem), bound)
                    continue
                for problem in _argument_problems(step, bound, feature.filename):
                    problems.setdefault((problem.line, problem.text, problem.problem), problem)
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
                    problems.setdefault((problem.line, problem.text, f"needs {need}"), problem)
                if bound.provides:
                    available.add(bound.provides)
    return sorted(problems.values(), key=lambda p: (p.file, p.line))


def require_bound_steps(directory: Path) -> list[Feature]:
    """The feature files under `directory`, or a FeatureFileError (exit 13) naming every step problem."""
    features = parse_features(directory)
    problems = check_features(features, step_definitions())
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
    example: str = ""  # one line of a feature file that uses the step, with where it is


def step_usage(features: Iterable[Feature], definitions: list[StepDefinition]) -> dict[tuple[str, str, str], StepUsage]:
    """For each definition: the cycles (feature tags) whose scenarios use it, and one line that does."""
    usage: dict[tuple[str, str, str], StepUsage] = {d.key: StepUsage() for d in definitions}
    for feature in sorted(features, key=lambda f: f.filename):
        for rendering in renderings(feature):
            for step in rendering.scenario.steps:
                bound = _binding(step, definitions, feature.filename)
                if isinstance(bound, StepProblem):
                    continue
                entry = usage[bound.key]
                entry.cycles |= _cycles_of(feature, rendering.template)
                if not entry.example:
                    where = f"{_relative(Path(feature.filename))}:{step.line_number}"
                    entry.example = f"`{step.type.capitalize()} {step.name}` ({where})"
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


def catalogue_text(definitions: list[StepDefinition]) -> str:
    """`uat steps`: one line per step, with what it needs and provides."""
    lines = []
    for definition in definitions:
        line = f"[{definition.domain}] {definition.title}"
        if definition.needs:
            line += f"  (needs {', '.join(definition.needs)})"
        if definition.provides:
            line += f"  (provides {definition.provides})"
        lines.append(line)
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
        "- `{name:d}` in a step is a whole number, `{name:f}` a decimal, `{name}` any text.",
        "- *needs*: the records the step works on, which an earlier step of the same scenario must provide "
        "(Background included); `uat steps --check` rejects a scenario where none does.",
        "- *provides*: the record the step hands to the steps after it.",
        "- *as*: the roles of the site's profile the step acts as (`uat doctor` checks each cycle's roles).",
        "- *cycles*: the cycles (feature tags) whose scenarios use the step; *e.g.*: a line of a feature file.",
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
        lines.append(f"  - {'; '.join(facts)}")
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
