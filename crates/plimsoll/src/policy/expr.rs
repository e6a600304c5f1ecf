//! CEL expressions: compiling with positions, the Kubernetes library
//! functions, and bounded evaluation over YAML trees.
//!
//! The interpreter is the `cel` crate. It has no cost limit of its own, so
//! every compiled expression is rewritten before it runs: each argument of a
//! function or operator call (literals aside) and each range a macro
//! iterates passes through a hidden `@charge` function that takes
//! `1 + size` from a per-evaluation budget and stops the evaluation when
//! the budget is spent. Loops are thereby charged per element, nested loops
//! per element of each level, and functions by the size of what they
//! handle, as Kubernetes' runtime cost does. `@` cannot be written in CEL
//! source, so an expression cannot call or shadow the hidden function. The
//! two functions whose output can outgrow their input by more than a
//! constant factor, `replace` and `join`, are charged for their worst-case
//! output before they run.
//!
//! Values are not copied into CEL: the YAML tree is handed over as borrowed
//! strings, and only the parts of `object` an expression names
//! (`object.spec.template.spec.containers`) are converted. `matches` is
//! replaced by a version that caches compiled patterns.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::{
    self, CelBool, CelBytes, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
    Type,
};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, ExecutionError, Value as CelValue};

use crate::model::Quantity;
use crate::yaml::{Node, Value};

/// The cost one expression may spend on one object (the same figure as the
/// per-expression limit of the Kubernetes API server).
pub(crate) const COST_LIMIT: u64 = 1_000_000;

/// Deepest bracket nesting accepted in an expression (the parser recurses).
const MAX_NESTING: usize = 64;

/// Longest expression accepted, in bytes.
const MAX_LENGTH: usize = 16 * 1024;

const CHARGE: &str = "@charge";
const MATCHES: &str = "@matches";
const ACCUMULATOR: &str = "@result";

/// Type names an expression may use as values (`type(x) == string`) and
/// namespaces of library functions.
const BUILTIN_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
    "optional",
    "strings",
];

/// A compiled expression, ready to evaluate.
#[derive(Debug)]
pub(crate) struct Compiled {
    expression: IdedExpr,
    /// The paths of `object` the expression reads.
    object_paths: Vec<Vec<String>>,
}

impl Compiled {
    /// Whether the expression names the identifier `name`.
    pub(crate) fn references(&self, name: &str) -> bool {
        fn walk(expression: &IdedExpr, name: &str) -> bool {
            match &expression.expr {
                Expr::Ident(ident) => ident == name,
                Expr::Select(select) => walk(&select.operand, name),
                Expr::Call(call) => {
                    call.target
                        .as_deref()
                        .is_some_and(|target| walk(target, name))
                        || call.args.iter().any(|arg| walk(arg, name))
                }
                Expr::List(list) => list.elements.iter().any(|element| walk(element, name)),
                Expr::Map(map) => map.entries.iter().any(|entry| match &entry.expr {
                    EntryExpr::MapEntry(entry) => {
                        walk(&entry.key, name) || walk(&entry.value, name)
                    }
                    EntryExpr::StructField(field) => walk(&field.value, name),
                }),
                Expr::Struct(structure) => {
                    structure.entries.iter().any(|entry| match &entry.expr {
                        EntryExpr::MapEntry(entry) => {
                            walk(&entry.key, name) || walk(&entry.value, name)
                        }
                        EntryExpr::StructField(field) => walk(&field.value, name),
                    })
                }
                Expr::Comprehension(comprehension) => [
                    &comprehension.iter_range,
                    &comprehension.accu_init,
                    &comprehension.loop_cond,
                    &comprehension.loop_step,
                    &comprehension.result,
                ]
                .into_iter()
                .any(|part| walk(part, name)),
                Expr::Literal(_) | Expr::Unspecified => false,
            }
        }
        walk(&self.expression, name)
    }
}

/// Why an expression did not compile, and where in it (1-based line and
/// column inside the expression text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompileError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EvalError {
    /// The expression spent its cost budget.
    CostLimit,
    /// The expression failed on this object (missing field, wrong type...).
    Runtime(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::CostLimit => write!(
                formatter,
                "the expression exceeded the cost limit of {COST_LIMIT} and was stopped"
            ),
            EvalError::Runtime(message) => formatter.write_str(message),
        }
    }
}

fn environment() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Declaring the same overloads twice is the only way these fail, and
        // the names below are ours alone: a failure is a bug caught by tests.
        let _ = cel::extensions::strings(&mut env);
        let _ = library(&mut env);
        Arc::new(env)
    })
}

/// Compiles `source`; `variables` are the names it may refer to.
pub(crate) fn compile(source: &str, variables: &[&str]) -> Result<Compiled, CompileError> {
    if source.len() > MAX_LENGTH {
        return Err(CompileError {
            message: format!("the expression is longer than {MAX_LENGTH} bytes"),
            line: 1,
            column: 1,
        });
    }
    check_nesting(source)?;
    // The parser is generated code: should it panic on some input, that is
    // a compile error of this expression, not a crash of the run.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        environment().parser().parse_with_source_info(source)
    }))
    .map_err(|_| CompileError {
        message: "the CEL parser failed on this expression".to_owned(),
        line: 1,
        column: 1,
    })?;
    let (expression, info) = parsed.map_err(|errors| {
        let first = errors.errors.first();
        let (line, column) = first.map_or((1, 0), |error| error.pos);
        CompileError {
            message: first.map_or_else(
                || "the expression does not parse".to_owned(),
                |error| error.msg.clone(),
            ),
            line: u32::try_from(line.max(1)).unwrap_or(1),
            column: u32::try_from(column.max(1)).unwrap_or(1),
        }
    })?;
    let mut scope: Vec<String> = Vec::new();
    check_names(&expression, variables, &mut scope).map_err(|(id, message)| {
        let offset = info
            .offset_for(id)
            .and_then(|(start, _)| usize::try_from(start).ok())
            .unwrap_or(0);
        let (line, column) = line_column(source, offset);
        CompileError {
            message,
            line,
            column,
        }
    })?;
    let object_paths = object_paths(&expression);
    let mut next_id = u64::MAX / 2;
    let expression = instrument(expression, &mut next_id);
    Ok(Compiled {
        expression,
        object_paths,
    })
}

fn line_column(source: &str, char_offset: usize) -> (u32, u32) {
    let mut line = 1_u32;
    let mut column = 1_u32;
    for character in source.chars().take(char_offset) {
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

fn check_nesting(source: &str) -> Result<(), CompileError> {
    let mut depth = 0_usize;
    let (mut line, mut column) = (1_u32, 0_u32);
    for character in source.chars() {
        column += 1;
        match character {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '\n' => {
                line += 1;
                column = 0;
            }
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(CompileError {
                message: format!("the expression nests brackets more than {MAX_NESTING} deep"),
                line,
                column,
            });
        }
    }
    Ok(())
}

/// Every identifier must be a variable, a macro variable in scope, or a
/// built-in name: a misspelt variable is a compile error, not a finding on
/// every object.
fn check_names(
    expression: &IdedExpr,
    variables: &[&str],
    scope: &mut Vec<String>,
) -> Result<(), (u64, String)> {
    match &expression.expr {
        Expr::Ident(name) => {
            let known = variables.contains(&name.as_str())
                || scope.iter().any(|bound| bound == name)
                || BUILTIN_NAMES.contains(&name.as_str())
                || name.starts_with('@');
            if known {
                Ok(())
            } else {
                Err((
                    expression.id,
                    format!(
                        "undeclared reference to `{name}` (variables: {})",
                        variables.join(", ")
                    ),
                ))
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                check_names(target, variables, scope)?;
            }
            call.args
                .iter()
                .try_for_each(|arg| check_names(arg, variables, scope))
        }
        Expr::Select(select) => check_names(&select.operand, variables, scope),
        Expr::List(list) => list
            .elements
            .iter()
            .try_for_each(|element| check_names(element, variables, scope)),
        Expr::Map(map) => map.entries.iter().try_for_each(|entry| match &entry.expr {
            EntryExpr::MapEntry(entry) => {
                check_names(&entry.key, variables, scope)?;
                check_names(&entry.value, variables, scope)
            }
            EntryExpr::StructField(field) => check_names(&field.value, variables, scope),
        }),
        Expr::Struct(structure) => {
            structure
                .entries
                .iter()
                .try_for_each(|entry| match &entry.expr {
                    EntryExpr::MapEntry(entry) => {
                        check_names(&entry.key, variables, scope)?;
                        check_names(&entry.value, variables, scope)
                    }
                    EntryExpr::StructField(field) => check_names(&field.value, variables, scope),
                })
        }
        Expr::Comprehension(comprehension) => {
            check_names(&comprehension.iter_range, variables, scope)?;
            check_names(&comprehension.accu_init, variables, scope)?;
            scope.push(comprehension.iter_var.clone());
            if let Some(second) = &comprehension.iter_var2 {
                scope.push(second.clone());
            }
            scope.push(comprehension.accu_var.clone());
            let inner = [
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ]
            .into_iter()
            .try_for_each(|part| check_names(part, variables, scope));
            scope.pop();
            if comprehension.iter_var2.is_some() {
                scope.pop();
            }
            scope.pop();
            inner
        }
        Expr::Literal(_) | Expr::Unspecified => Ok(()),
    }
}

/// The paths of `object` an expression reads (`object.spec.replicas` reads
/// `[spec, replicas]`); an empty path means the whole object.
fn object_paths(expression: &IdedExpr) -> Vec<Vec<String>> {
    fn chain(expression: &IdedExpr) -> Option<Vec<String>> {
        match &expression.expr {
            Expr::Ident(name) if name == "object" => Some(Vec::new()),
            Expr::Select(select) => chain(&select.operand).map(|mut fields| {
                fields.push(select.field.clone());
                fields
            }),
            _ => None,
        }
    }
    fn walk(expression: &IdedExpr, paths: &mut Vec<Vec<String>>) {
        if let Some(fields) = chain(expression) {
            paths.push(fields);
            return;
        }
        match &expression.expr {
            Expr::Select(select) => walk(&select.operand, paths),
            Expr::Call(call) => {
                if let Some(target) = &call.target {
                    walk(target, paths);
                }
                for arg in &call.args {
                    walk(arg, paths);
                }
            }
            Expr::List(list) => list
                .elements
                .iter()
                .for_each(|element| walk(element, paths)),
            Expr::Map(map) => map.entries.iter().for_each(|entry| match &entry.expr {
                EntryExpr::MapEntry(entry) => {
                    walk(&entry.key, paths);
                    walk(&entry.value, paths);
                }
                EntryExpr::StructField(field) => walk(&field.value, paths),
            }),
            Expr::Struct(structure) => {
                structure
                    .entries
                    .iter()
                    .for_each(|entry| match &entry.expr {
                        EntryExpr::MapEntry(entry) => {
                            walk(&entry.key, paths);
                            walk(&entry.value, paths);
                        }
                        EntryExpr::StructField(field) => walk(&field.value, paths),
                    })
            }
            Expr::Comprehension(comprehension) => [
                &comprehension.iter_range,
                &comprehension.accu_init,
                &comprehension.loop_cond,
                &comprehension.loop_step,
                &comprehension.result,
            ]
            .into_iter()
            .for_each(|part| walk(part, paths)),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    let mut paths = Vec::new();
    walk(expression, &mut paths);
    paths
}

/// The parts of `object` to convert: a whole subtree, or some of its keys.
#[derive(Debug, Default)]
struct Needed {
    whole: bool,
    keys: std::collections::BTreeMap<String, Needed>,
}

impl Needed {
    fn add(&mut self, path: &[String]) {
        match path.split_first() {
            None => self.whole = true,
            Some((first, rest)) => self.keys.entry(first.clone()).or_default().add(rest),
        }
    }

    fn convert<'a>(&self, node: &'a Node) -> Box<dyn Val + 'a> {
        match &node.value {
            Value::Map(entries) if !self.whole => Box::new(CelMap::from(
                entries
                    .iter()
                    .filter_map(|entry| {
                        let needed = self.keys.get(entry.key.as_str())?;
                        Some((
                            CelMapKey::from(entry.key.as_str()),
                            needed.convert(&entry.value),
                        ))
                    })
                    .collect::<HashMap<_, _>>(),
            )),
            _ => to_val(node),
        }
    }
}

fn charged(expression: IdedExpr, next_id: &mut u64) -> IdedExpr {
    *next_id += 1;
    IdedExpr {
        id: *next_id,
        expr: Expr::Call(CallExpr {
            func_name: CHARGE.to_owned(),
            target: None,
            args: vec![expression],
        }),
    }
}

/// Whether a call argument is charged: not the accumulator of a macro (the
/// interpreter recognises `@result + [x]` and `@result && x` by shape) and
/// not a list literal (ditto; its elements are charged themselves).
fn is_charged_argument(argument: &IdedExpr) -> bool {
    !matches!(&argument.expr, Expr::Ident(name) if name == ACCUMULATOR)
        && !matches!(argument.expr, Expr::List(_) | Expr::Literal(_))
}

fn instrument(expression: IdedExpr, next_id: &mut u64) -> IdedExpr {
    let IdedExpr { id, expr } = expression;
    let expr = match expr {
        Expr::Call(call) => {
            let lazy = matches!(call.func_name.as_str(), "_&&_" | "_||_" | "_?_:_");
            let target = call.target.map(|target| {
                let target = instrument(*target, next_id);
                Box::new(if lazy || !is_charged_argument(&target) {
                    target
                } else {
                    charged(target, next_id)
                })
            });
            let args = call
                .args
                .into_iter()
                .map(|arg| {
                    let arg = instrument(arg, next_id);
                    if lazy || !is_charged_argument(&arg) {
                        arg
                    } else {
                        charged(arg, next_id)
                    }
                })
                .collect::<Vec<_>>();
            let expansion = match call.func_name.as_str() {
                "replace" | "join" => Some(call.func_name.clone()),
                _ => None,
            };
            // `matches` compiles its pattern on every call; ours caches it.
            let func_name = if call.func_name == "matches" {
                MATCHES.to_owned()
            } else {
                call.func_name
            };
            let call = Expr::Call(CallExpr {
                func_name,
                target,
                args,
            });
            let call = match expansion {
                // `@charge` the worst-case output first: `@expand(name, call args)`
                // charges and yields nothing; `_?_:_` keeps the call lazy.
                Some(name) => guarded_expansion(name, IdedExpr { id, expr: call }, next_id).expr,
                None => call,
            };
            // The result is not charged: it is at most as large as the charged
            // arguments (`replace` and `join` are charged above), and it is
            // charged where it becomes an argument or a range.
            call
        }
        Expr::Select(mut select) => {
            select.operand = Box::new(instrument(*select.operand, next_id));
            Expr::Select(select)
        }
        Expr::List(mut list) => {
            list.elements = list
                .elements
                .into_iter()
                .map(|element| instrument(element, next_id))
                .collect();
            Expr::List(list)
        }
        Expr::Map(mut map) => {
            for entry in &mut map.entries {
                if let EntryExpr::MapEntry(entry) = &mut entry.expr {
                    entry.key = instrument(std::mem::take(&mut entry.key), next_id);
                    entry.value = instrument(std::mem::take(&mut entry.value), next_id);
                }
            }
            Expr::Map(map)
        }
        Expr::Comprehension(comprehension) => {
            let ComprehensionExpr {
                iter_range,
                iter_var,
                iter_var2,
                accu_var,
                accu_init,
                loop_cond,
                loop_step,
                result,
            } = *comprehension;
            Expr::Comprehension(Box::new(ComprehensionExpr {
                iter_range: charged(instrument(iter_range, next_id), next_id),
                iter_var,
                iter_var2,
                accu_var,
                accu_init: instrument(accu_init, next_id),
                loop_cond: instrument(loop_cond, next_id),
                loop_step: instrument(loop_step, next_id),
                result: instrument(result, next_id),
            }))
        }
        other => other,
    };
    IdedExpr { id, expr }
}

/// `_?_:_(@expand('name', target, args...), call, call)`: charges the
/// worst-case size of the call's output before the call runs.
fn guarded_expansion(name: String, call: IdedExpr, next_id: &mut u64) -> IdedExpr {
    let Expr::Call(inner) = &call.expr else {
        return call;
    };
    let mut args = vec![IdedExpr {
        id: {
            *next_id += 1;
            *next_id
        },
        expr: Expr::Literal(LiteralValue::String(name.into())),
    }];
    args.extend(inner.target.as_deref().cloned());
    args.extend(inner.args.iter().cloned());
    *next_id += 1;
    let guard = IdedExpr {
        id: *next_id,
        expr: Expr::Call(CallExpr {
            func_name: "@expand".to_owned(),
            target: None,
            args,
        }),
    };
    *next_id += 1;
    IdedExpr {
        id: *next_id,
        expr: Expr::Call(CallExpr {
            func_name: "_?_:_".to_owned(),
            target: None,
            args: vec![guard, call.clone(), call],
        }),
    }
}

thread_local! {
    static BUDGET: Cell<u64> = const { Cell::new(0) };
    static EXHAUSTED: Cell<bool> = const { Cell::new(false) };
}

fn size_of(value: &dyn Val) -> u64 {
    let size = if let Some(text) = value.downcast_ref::<CelString>() {
        text.inner().len()
    } else if let Some(list) = value.downcast_ref::<CelList>() {
        list.inner().len()
    } else if let Some(map) = value.downcast_ref::<CelMap>() {
        map.inner().len()
    } else if let Some(bytes) = value.downcast_ref::<CelBytes>() {
        bytes.inner().len()
    } else {
        0
    };
    u64::try_from(size).unwrap_or(u64::MAX)
}

fn spend(cost: u64) -> Result<(), ExecutionError> {
    BUDGET.with(|budget| {
        let left = budget.get();
        if cost > left {
            budget.set(0);
            EXHAUSTED.with(|exhausted| exhausted.set(true));
            Err(ExecutionError::function_error(
                "cost",
                "the expression exceeded its cost limit",
            ))
        } else {
            budget.set(left - cost);
            Ok(())
        }
    })
}

fn charge<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = args
        .pop()
        .ok_or_else(ExecutionError::missing_argument_or_target)?;
    spend(1 + size_of(value.as_ref()))?;
    Ok(value)
}

/// Charges the worst-case output of `replace` and `join`, then yields true.
fn expand<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let sizes: Vec<u64> = args.iter().map(|arg| size_of(arg.as_ref())).collect();
    let name = args
        .first()
        .and_then(|arg| arg.downcast_ref::<CelString>())
        .map(|name| name.inner().to_owned())
        .unwrap_or_default();
    let cost = match (name.as_str(), sizes.as_slice()) {
        // target.replace(old, new): each character may become `new`
        ("replace", [_, target, _, new, ..]) => target
            .saturating_add(1)
            .saturating_mul(new.saturating_add(1)),
        // list.join(separator)
        ("join", [_, list, separator]) => list.saturating_mul(separator.saturating_add(1)),
        _ => 1,
    };
    spend(cost)?;
    Ok(CowVal::owned(CelBool::from(true)))
}

/// Variables for one evaluation: names bound to borrowed YAML values.
pub(crate) struct Bindings<'a> {
    values: Vec<(&'static str, Box<dyn Val + 'a>)>,
}

impl VariableResolver for Bindings<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.values
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, value)| CowVal::Borrowed(value.as_ref()))
    }
}

impl<'a> Bindings<'a> {
    pub(crate) fn new() -> Bindings<'a> {
        Bindings { values: Vec::new() }
    }

    /// Binds `name` to a YAML value (`None`: null).
    pub(crate) fn node(&mut self, name: &'static str, node: Option<&'a Node>) {
        let value = node.map_or_else(|| Box::new(CelNull) as Box<dyn Val + 'a>, to_val);
        self.values.push((name, value));
    }

    /// Binds `object`, converting only the parts the programs read.
    pub(crate) fn object(&mut self, node: &'a Node, programs: &[&Compiled]) {
        let mut needed = Needed::default();
        for program in programs {
            for path in &program.object_paths {
                needed.add(path);
            }
        }
        self.values.push(("object", needed.convert(node)));
    }

    /// Binds `name` to a string (`None`: null).
    pub(crate) fn string(&mut self, name: &'static str, text: Option<&'a str>) {
        let value: Box<dyn Val + 'a> = match text {
            Some(text) => Box::new(CelString::from(text)),
            None => Box::new(CelNull),
        };
        self.values.push((name, value));
    }

    /// Binds `name` to a map of values computed earlier (replacing an
    /// earlier binding of `name`).
    pub(crate) fn computed(&mut self, name: &'static str, values: &[(String, CelValue)]) {
        let map: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = values
            .iter()
            .filter_map(|(key, value)| {
                let value: Box<dyn Val> = value.clone().try_into().ok()?;
                Some((CelMapKey::from(key.clone()), value as Box<dyn Val + 'a>))
            })
            .collect();
        self.values.retain(|(bound, _)| *bound != name);
        self.values.push((name, Box::new(CelMap::from(map))));
    }
}

/// A YAML value as a CEL value, borrowing its strings.
pub(crate) fn to_val(node: &Node) -> Box<dyn Val + '_> {
    match &node.value {
        Value::Null => Box::new(CelNull),
        Value::Bool(flag) => Box::new(CelBool::from(*flag)),
        Value::Int(number) => Box::new(CelInt::from(*number)),
        Value::Float(number) => Box::new(CelDouble::from(*number)),
        Value::String(text) => Box::new(CelString::from(text.as_str())),
        Value::Seq(items) => Box::new(CelList::from(
            items.iter().map(to_val).collect::<Vec<Box<dyn Val + '_>>>(),
        )),
        Value::Map(entries) => Box::new(CelMap::from(
            entries
                .iter()
                .map(|entry| (CelMapKey::from(entry.key.as_str()), to_val(&entry.value)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// Evaluates a program with a fresh budget of [`COST_LIMIT`].
pub(crate) fn evaluate(program: &Compiled, bindings: &Bindings<'_>) -> Result<CelValue, EvalError> {
    BUDGET.with(|budget| budget.set(COST_LIMIT));
    EXHAUSTED.with(|exhausted| exhausted.set(false));
    let mut context = Context::with_env(Arc::clone(environment()));
    context.set_variable_resolver(bindings);
    let outcome = CelValue::resolve_val(&program.expression, &context)
        .and_then(|value| CelValue::try_from(value.as_ref()));
    let exhausted = EXHAUSTED.with(Cell::get);
    match outcome {
        _ if exhausted => Err(EvalError::CostLimit),
        Ok(value) => Ok(value),
        Err(error) => Err(EvalError::Runtime(describe_error(&error))),
    }
}

/// Evaluates a program that must yield a boolean.
pub(crate) fn evaluate_bool(
    program: &Compiled,
    bindings: &Bindings<'_>,
) -> Result<bool, EvalError> {
    match evaluate(program, bindings)? {
        CelValue::Bool(flag) => Ok(flag),
        other => Err(EvalError::Runtime(format!(
            "the expression must evaluate to a bool, got {}",
            other.type_of()
        ))),
    }
}

/// Evaluates a program that must yield a string.
pub(crate) fn evaluate_string(
    program: &Compiled,
    bindings: &Bindings<'_>,
) -> Result<String, EvalError> {
    match evaluate(program, bindings)? {
        CelValue::String(text) => Ok(text.to_string()),
        other => Err(EvalError::Runtime(format!(
            "the message expression must evaluate to a string, got {}",
            other.type_of()
        ))),
    }
}

fn describe_error(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchKey(key) => format!("no such key: {key}"),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------
// The Kubernetes library functions.

const QUANTITY_TYPE: Type = Type::new_unspecified_type("kubernetes.Quantity");

/// A `quantity()` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuantityVal(Quantity);

impl Val for QuantityVal {
    fn get_type(&self) -> &Type {
        <Self as Val>::cel_type()
    }

    fn cel_type() -> &'static Type {
        static TYPE: Type = QUANTITY_TYPE;
        &TYPE
    }

    fn equals(&self, other: &dyn Val) -> bool {
        other
            .downcast_ref::<QuantityVal>()
            .is_some_and(|other| other.0 == self.0)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v> {
        Box::new(*self)
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

impl StaticVal for QuantityVal {}

fn arg<'a, T: StaticVal>(
    args: &'a [CowVal<'_, '_>],
    at: usize,
    function: &str,
) -> Result<&'a T, ExecutionError> {
    args.get(at)
        .and_then(|value| value.downcast_ref::<T>())
        .ok_or_else(|| ExecutionError::function_error(function, "wrong argument type"))
}

fn string_arg<'a>(
    args: &'a [CowVal<'_, '_>],
    at: usize,
    function: &str,
) -> Result<&'a str, ExecutionError> {
    args.get(at)
        .and_then(|value| value.downcast_ref::<CelString>())
        .map(|text| text.inner())
        .ok_or_else(|| ExecutionError::function_error(function, "expected a string"))
}

fn owned<'b, 'v>(value: impl Val + 'static) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(value))
}

fn quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "quantity")?;
    let parsed = Quantity::parse(text).map_err(|_| {
        ExecutionError::function_error("quantity", format!("`{text}` is not a quantity"))
    })?;
    owned(QuantityVal(parsed))
}

fn is_quantity<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "isQuantity")?;
    owned(CelBool::from(Quantity::parse(text).is_ok()))
}

fn quantity_pair(
    args: &[CowVal<'_, '_>],
    function: &str,
) -> Result<(Quantity, Quantity), ExecutionError> {
    let left = arg::<QuantityVal>(args, 0, function)?.0;
    let right = match args.get(1) {
        Some(value) => match value.downcast_ref::<QuantityVal>() {
            Some(quantity) => quantity.0,
            None => Quantity::from_units(*arg::<CelInt>(args, 1, function)?.inner()),
        },
        None => return Err(ExecutionError::missing_argument_or_target()),
    };
    Ok((left, right))
}

fn is_greater_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (left, right) = quantity_pair(&args, "isGreaterThan")?;
    owned(CelBool::from(left > right))
}

fn is_less_than<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (left, right) = quantity_pair(&args, "isLessThan")?;
    owned(CelBool::from(left < right))
}

fn compare_to<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (left, right) = quantity_pair(&args, "compareTo")?;
    owned(CelInt::from(left.cmp(&right) as i64))
}

fn quantity_add<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (left, right) = quantity_pair(&args, "add")?;
    let sum = left
        .checked_add(right)
        .ok_or_else(|| ExecutionError::function_error("add", "quantity overflow"))?;
    owned(QuantityVal(sum))
}

fn quantity_sub<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (left, right) = quantity_pair(&args, "sub")?;
    let difference = left
        .checked_sub(right)
        .ok_or_else(|| ExecutionError::function_error("sub", "quantity overflow"))?;
    owned(QuantityVal(difference))
}

fn as_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let quantity = arg::<QuantityVal>(&args, 0, "asInteger")?.0;
    let integer = quantity.as_integer().ok_or_else(|| {
        ExecutionError::function_error(
            "asInteger",
            format!("{quantity} is not an integer that fits in 64 bits"),
        )
    })?;
    owned(CelInt::from(integer))
}

fn is_integer<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let quantity = arg::<QuantityVal>(&args, 0, "isInteger")?.0;
    owned(CelBool::from(quantity.as_integer().is_some()))
}

fn as_approximate_float<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let quantity = arg::<QuantityVal>(&args, 0, "asApproximateFloat")?.0;
    owned(CelDouble::from(quantity.as_f64()))
}

fn sign<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let quantity = arg::<QuantityVal>(&args, 0, "sign")?.0;
    owned(CelInt::from(quantity.sign()))
}

fn list_items<'a, 'v>(
    args: &'a [CowVal<'_, 'v>],
    function: &str,
) -> Result<&'a [Box<dyn Val + 'v>], ExecutionError> {
    args.first()
        .and_then(|value| value.downcast_ref::<CelList>())
        .map(|list| list.inner())
        .ok_or_else(|| ExecutionError::function_error(function, "expected a list"))
}

fn compare(
    left: &dyn Val,
    right: &dyn Val,
    function: &str,
) -> Result<std::cmp::Ordering, ExecutionError> {
    left.as_comparer()
        .ok_or_else(|| ExecutionError::function_error(function, "the items are not comparable"))?
        .compare(right)
}

fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = list_items(&args, "isSorted")?;
    let mut sorted = true;
    for pair in items.windows(2) {
        if let [left, right] = pair {
            if compare(left.as_ref(), right.as_ref(), "isSorted")? == std::cmp::Ordering::Greater {
                sorted = false;
                break;
            }
        }
    }
    owned(CelBool::from(sorted))
}

fn extreme<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    keep: std::cmp::Ordering,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = list_items(&args, function)?;
    let mut best: Option<&Box<dyn Val + 'v>> = None;
    for item in items {
        best = match best {
            Some(current) if compare(item.as_ref(), current.as_ref(), function)? != keep => {
                Some(current)
            }
            _ => Some(item),
        };
    }
    let best = best.ok_or_else(|| ExecutionError::function_error(function, "the list is empty"))?;
    Ok(CowVal::Owned(best.clone_as_boxed()))
}

fn list_min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme(args, "min", std::cmp::Ordering::Less)
}

fn list_max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme(args, "max", std::cmp::Ordering::Greater)
}

fn list_sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = list_items(&args, "sum")?;
    let mut int_sum: i64 = 0;
    let mut float_sum: f64 = 0.0;
    let mut floats = false;
    for item in items {
        if let Some(number) = item.downcast_ref::<CelInt>() {
            int_sum = int_sum
                .checked_add(*number.inner())
                .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?;
        } else if let Some(number) = item.downcast_ref::<CelDouble>() {
            floats = true;
            float_sum += *number.inner();
        } else {
            return Err(ExecutionError::function_error(
                "sum",
                "the list holds values that are not numbers",
            ));
        }
    }
    if floats {
        // Mixed lists add up as floats.
        #[allow(clippy::cast_precision_loss)]
        let total = float_sum + int_sum as f64;
        owned(CelDouble::from(total))
    } else {
        owned(CelInt::from(int_sum))
    }
}

fn position<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    last: bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = list_items(&args, function)?;
    let wanted = args
        .get(1)
        .ok_or_else(ExecutionError::missing_argument_or_target)?;
    let mut found = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.equals(wanted.as_ref()));
    let at = if last {
        found.next_back()
    } else {
        found.next()
    };
    owned(CelInt::from(
        at.and_then(|(at, _)| i64::try_from(at).ok()).unwrap_or(-1),
    ))
}

fn list_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position(args, "indexOf", false)
}

fn list_last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position(args, "lastIndexOf", true)
}

thread_local! {
    /// Compiled patterns: policies use a handful, evaluated on every object.
    static REGEXES: std::cell::RefCell<HashMap<String, Result<regex::Regex, String>>> =
        std::cell::RefCell::new(HashMap::new());
}

fn regex_of(pattern: &str, function: &str) -> Result<regex::Regex, ExecutionError> {
    let compiled = REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(compiled) = cache.get(pattern) {
            return compiled.clone();
        }
        if cache.len() >= 256 {
            cache.clear();
        }
        let compiled = regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|error| error.to_string());
        cache.insert(pattern.to_owned(), compiled.clone());
        compiled
    });
    compiled.map_err(|error| {
        ExecutionError::function_error(
            function,
            format!("`{pattern}` is not a valid regex: {error}"),
        )
    })
}

fn matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "matches")?;
    let pattern = regex_of(string_arg(&args, 1, "matches")?, "matches")?;
    owned(CelBool::from(pattern.is_match(text)))
}

fn find<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "find")?;
    let pattern = regex_of(string_arg(&args, 1, "find")?, "find")?;
    let found = pattern
        .find(text)
        .map(|found| found.as_str().to_owned())
        .unwrap_or_default();
    owned(CelString::from(found))
}

fn find_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "findAll")?;
    let pattern = regex_of(string_arg(&args, 1, "findAll")?, "findAll")?;
    let found: Vec<Box<dyn Val + 'v>> = pattern
        .find_iter(text)
        .map(|found| Box::new(CelString::from(found.as_str().to_owned())) as Box<dyn Val + 'v>)
        .collect();
    Ok(CowVal::owned(CelList::from(found)))
}

fn library(env: &mut Env) -> Result<(), cel::DeclarationError> {
    use types::{DYN_TYPE, INT_TYPE, LIST_TYPE, STRING_TYPE};
    env.add_type(QUANTITY_TYPE)?;
    env.add_overload(CHARGE, "@charge_dyn", vec![DYN_TYPE], charge)?;
    env.add_overload(
        "@expand",
        "@expand_3",
        vec![DYN_TYPE, DYN_TYPE, DYN_TYPE],
        expand,
    )?;
    env.add_overload(
        "@expand",
        "@expand_4",
        vec![DYN_TYPE, DYN_TYPE, DYN_TYPE, DYN_TYPE],
        expand,
    )?;
    env.add_overload(
        "@expand",
        "@expand_5",
        vec![DYN_TYPE, DYN_TYPE, DYN_TYPE, DYN_TYPE, DYN_TYPE],
        expand,
    )?;
    env.add_overload("@expand", "@expand_2", vec![DYN_TYPE, DYN_TYPE], expand)?;
    env.add_overload("quantity", "quantity_string", vec![STRING_TYPE], quantity)?;
    env.add_overload(
        "isQuantity",
        "is_quantity_string",
        vec![STRING_TYPE],
        is_quantity,
    )?;
    let q = || QUANTITY_TYPE;
    for (name, function) in [
        (
            "isGreaterThan",
            is_greater_than as cel::common::functions::Function,
        ),
        ("isLessThan", is_less_than),
        ("compareTo", compare_to),
        ("add", quantity_add),
        ("sub", quantity_sub),
    ] {
        env.add_member_overload(name, &format!("{name}_quantity"), q(), vec![q()], function)?;
        env.add_member_overload(name, &format!("{name}_int"), q(), vec![INT_TYPE], function)?;
    }
    for (name, function) in [
        ("asInteger", as_integer as cel::common::functions::Function),
        ("isInteger", is_integer),
        ("asApproximateFloat", as_approximate_float),
        ("sign", sign),
    ] {
        env.add_member_overload(name, &format!("{name}_quantity"), q(), vec![], function)?;
    }
    for (name, function) in [
        ("isSorted", is_sorted as cel::common::functions::Function),
        ("sum", list_sum),
        ("min", list_min),
        ("max", list_max),
    ] {
        env.add_member_overload(name, &format!("{name}_list"), LIST_TYPE, vec![], function)?;
    }
    env.add_member_overload(
        "indexOf",
        "indexOf_list",
        LIST_TYPE,
        vec![DYN_TYPE],
        list_index_of,
    )?;
    env.add_member_overload(
        "lastIndexOf",
        "lastIndexOf_list",
        LIST_TYPE,
        vec![DYN_TYPE],
        list_last_index_of,
    )?;
    env.add_member_overload(
        MATCHES,
        "@matches_member",
        STRING_TYPE,
        vec![STRING_TYPE],
        matches,
    )?;
    env.add_overload(
        MATCHES,
        "@matches_global",
        vec![STRING_TYPE, STRING_TYPE],
        matches,
    )?;
    env.add_member_overload("find", "find_string", STRING_TYPE, vec![STRING_TYPE], find)?;
    env.add_member_overload(
        "findAll",
        "findAll_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        find_all,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{compile, evaluate, Bindings, EvalError};
    use crate::yaml::first_tree as node;

    fn run(expression: &str, object: &str) -> Result<cel::Value, EvalError> {
        let program = compile(expression, &["object"]).unwrap();
        let object = node(object);
        let mut bindings = Bindings::new();
        bindings.object(&object, &[&program]);
        evaluate(&program, &bindings)
    }

    fn truth(expression: &str) -> bool {
        run(expression, "a: 1\n") == Ok(cel::Value::Bool(true))
    }

    #[test]
    fn library_functions_work() {
        for expression in [
            "quantity('1Gi').isGreaterThan(quantity('1G'))",
            "quantity('500m').isLessThan(quantity('1'))",
            "quantity('1000m') == quantity('1')",
            "quantity('2k').asInteger() == 2000",
            "quantity('1.5').isInteger() == false",
            "quantity('1Gi').compareTo(quantity('1024Mi')) == 0",
            "quantity('1').add(quantity('500m')) == quantity('1500m')",
            "quantity('1').sub(1).sign() == 0",
            "quantity('250m').asApproximateFloat() == 0.25",
            "isQuantity('64Mi') && !isQuantity('64MB')",
            "[1, 2, 3].isSorted() && ![3, 1].isSorted()",
            "[1, 2, 3].sum() == 6 && [1, 5, 3].max() == 5 && [4, 2].min() == 2",
            "[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2",
            "'abc123'.find('[0-9]+') == '123' && 'a1b22'.findAll('[0-9]+') == ['1', '22']",
            "'Hello'.lowerAscii() == 'hello' && 'a,b'.split(',') == ['a', 'b']",
            "'registry.io/app'.startsWith('registry.io/') && 'v1.2'.matches('^v[0-9]+')",
            "matches('v1.2', '^v[0-9]+') && !'x'.matches('^v')",
            "[1, 2, 3].all(x, x > 0) && [1, 2].exists(x, x == 2)",
            "[1, 2, 3].map(x, x * 2) == [2, 4, 6] && [1, 2, 3].filter(x, x > 1) == [2, 3]",
            "['a', 'b'].join('-') == 'a-b' && 'aXa'.replace('X', 'b') == 'aba'",
            "[1, 2].exists_one(x, x == 1) && 'abc'.charAt(1) == 'b' && ' x '.trim() == 'x'",
            "'abc'.substring(1) == 'bc' && 'a.b'.indexOf('.') == 1 && 'ABC'.upperAscii() == 'ABC'",
            "'%s-%d'.format(['a', 1]) == 'a-1'",
            "{'a': 1}.?b.orValue(0) == 0 && {'a': 1}[?'a'].orValue(0) == 1",
            "'abc'.contains('b') && 'abc'.endsWith('c') && size('abc') == 3 && 2 in [1, 2]",
            "int('12') == 12 && string(12) == '12' && double(1) == 1.0 && type(1) == int",
        ] {
            assert!(truth(expression), "{expression}");
        }
    }

    #[test]
    fn object_fields_and_has() {
        let object = "metadata:\n  name: web\n  labels: {team: a}\nspec:\n  replicas: 3\n";
        assert_eq!(
            run("object.spec.replicas >= 3 && has(object.metadata.labels.team) && !has(object.spec.paused)", object),
            Ok(cel::Value::Bool(true))
        );
        assert_eq!(
            run("object.spec.missing > 1", object),
            Err(EvalError::Runtime("no such key: missing".to_owned()))
        );
        assert_eq!(run("size(object) == 2", object), Ok(cel::Value::Bool(true)));
    }

    #[test]
    fn runtime_errors_are_errors() {
        assert!(matches!(
            run("quantity('lots') > 1", "a: 1\n"),
            Err(EvalError::Runtime(message)) if message.contains("not a quantity")
        ));
        assert!(matches!(
            run("1 / 0 == 1", "a: 1\n"),
            Err(EvalError::Runtime(_))
        ));
    }

    #[test]
    fn pathological_expressions_are_stopped_by_the_cost_limit() {
        // Rules evaluate on the engine's worker threads, whose stack is
        // larger than a test thread's: give this test the same room.
        std::thread::Builder::new()
            .stack_size(64 * 1024 * 1024)
            .spawn(pathological_cases)
            .unwrap()
            .join()
            .unwrap();
    }

    fn pathological_cases() {
        let ten = "[0,1,2,3,4,5,6,7,8,9]";
        let nested = format!(
            "{ten}.all(a, {ten}.all(b, {ten}.all(c, {ten}.all(d, {ten}.all(e, {ten}.all(f, a + b + c + d + e + f >= 0))))))"
        );
        assert_eq!(run(&nested, "a: 1\n"), Err(EvalError::CostLimit));
        // output that grows faster than its input
        let replace = "'xxxxxxxxxx'.replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').replace('', 'xxxxxxxxxx').size() > 0";
        assert_eq!(run(replace, "a: 1\n"), Err(EvalError::CostLimit));
        let doubling = "[[0,1,2,3,4,5,6,7,8,9]].map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).map(a, a + a).size() > 0";
        assert_eq!(run(doubling, "a: 1\n"), Err(EvalError::CostLimit));
        // the budget is per evaluation: a cheap expression afterwards runs
        assert!(truth("[1, 2, 3].all(x, x > 0)"));
    }

    #[test]
    fn compile_errors_have_positions() {
        let error = compile("object.spec.replicas >= )", &["object"]).unwrap_err();
        assert_eq!((error.line, error.column), (1, 25), "{error:?}");
        let error = compile("object.spec.replicas >= 3 &&\n  objct.x", &["object"]).unwrap_err();
        assert_eq!((error.line, error.column), (2, 3), "{error:?}");
        assert!(error.message.contains("objct"), "{error:?}");
        let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
        let error = compile(&deep, &["object"]).unwrap_err();
        assert!(error.message.contains("nests"), "{error:?}");
        // macro variables are in scope inside their macro only
        assert!(compile("[1].all(x, x > 0)", &[]).is_ok());
        assert!(compile("[1].all(x, x > 0) && x > 0", &[]).is_err());
    }

    #[test]
    fn odd_input_is_an_error_not_a_crash() {
        for source in [
            "",
            "(",
            "[[[",
            "'unterminated",
            "object.b.c(",
            "{1:",
            "1 ? 2",
            "é",
            "\u{0}",
            "object.?",
            "a.all(",
            ".",
            "1 +",
            "[1,2].map(x)",
            "has(1)",
            "object[",
        ] {
            let _ = compile(source, &["object"]);
        }
        for expression in [
            "object[1] == 1",
            "{}.a == 1",
            "[].map(x, x) == []",
            "object.metadata.name + 1 == 2",
            "size(object.metadata) > 0",
            "[1, 'a'].max() == 1",
            "[].min() == 1",
            "quantity('1').asInteger() + 9223372036854775807 > 0",
        ] {
            let _ = run(expression, "metadata: {name: x}\n");
        }
    }

    #[test]
    fn the_library_declares_cleanly() {
        let mut env = cel::Env::stdlib();
        assert!(cel::extensions::strings(&mut env).is_ok());
        assert!(super::library(&mut env).is_ok());
    }
}
