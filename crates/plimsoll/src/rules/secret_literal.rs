//! `secret-literal`: a credential written in plain text in a manifest.
//!
//! A kustomization's `secretGenerator` `literals` and env files are
//! committed plaintext secrets too; the loader reports them under this id,
//! at the entry of the kustomization (see `model::kustomization`). An env
//! file that is not on disk (kept out of Git, made where the kustomization
//! is built) is not committed, and not reported.
//!
//! Two checks, over container `env` values (all container lists), container
//! `command`/`args` items, and ConfigMap `data` values:
//!
//! - **by name**: the key holds a secret word as a token — `SECRET`,
//!   `PASSWORD`, `PASSWD`, `PASS`, `PWD`, `TOKEN`, `API_KEY`/`APIKEY`,
//!   `PRIVATE_KEY`, `CREDENTIALS` — where words are split on `_`, `-`, `.`
//!   and camelCase, and only words that still name the secret (`KEY`,
//!   `ACCESS`, `BASE`, `VALUE`, a number) follow it: `AWS_SECRET_ACCESS_KEY`,
//!   `RABBITMQ_DEFAULT_PASS`, `MYSQL_PWD`, `dbPassword`, and a password word
//!   glued to a prefix (`PGPASSWORD`). Any other word after it makes the key
//!   a setting about the secret (`TOKEN_TTL`, `PASSWORD_POLICY`,
//!   `PASSWORD_FILE`, `SECRET_NAME`, `SECRET_KEY_REF`); `PUBLIC_KEY` and
//!   `CACHE_KEY_PREFIX` hold no secret word. The value is fine when it is
//!   empty, a number, a boolean, a redaction (`***`), templated anywhere
//!   (`${VAR}`, `$(VAR)`, `{{ … }}`), a placeholder (`<…>`, `[TOKEN]`,
//!   `replaceme` in any case, or an upper-case identifier such as
//!   `INSERT_TOKEN_HERE` or `SECRET`, as example manifests use), a value
//!   that says no key is needed (`sk-no-key-required`, `not-needed`,
//!   `dummy`, for a server without authentication) or an absolute file path
//!   (`/run/secrets/db`, the path of a mounted secret). `changeme` is a
//!   finding: a default password that gets deployed is a password.
//! - **by flag**: a command-line flag named like a secret gets a literal,
//!   in its own `command`/`args` item or inside a shell script item:
//!   `--password VALUE`, `--token=VALUE`, `-password=VALUE`. A value that
//!   the shell or Kubernetes expands (`$(DB_PASSWORD)`, `"$TOKEN"`) is fine;
//!   single-letter flags (`-p`) are left alone, as they mean a port or a
//!   path as often as a password.
//! - **by shape**, whatever the key: a URL with `user:password@` (a
//!   placeholder password is fine), a PEM private key block, a JSON Web
//!   Token (`eyJ….eyJ….…`), or a cloud access key: AWS (`AKIA`/`ASIA` + 16),
//!   Google API (`AIza` + 35), GitHub (`ghp_`, `gho_`, `ghs_`, `ghu_`,
//!   `github_pat_`), Slack (`xoxb-`, `xoxp-`, …), Azure storage
//!   (`AccountKey=`).
//!
//! Secrets (`kind: Secret`) are `plaintext-secret`'s. Messages name the key
//! and the kind of credential, never the value.

use super::sealed_secret::is_base64_alphabet;
use super::{Category, DocumentContext, Rule, RuleMeta, Sink, Violation};
use crate::finding::Severity;
use crate::model::containers;
use crate::model::kept_elsewhere::{holds_no_secret, is_upper_case_name};
use crate::model::Object;
use crate::source::TextRange;
use crate::yaml::{pointer_of, Node, Value};

pub(crate) const ID: &str = "secret-literal";

pub(crate) fn rule() -> Rule {
    Rule::document(
        RuleMeta {
            id: ID.into(),
            category: Category::Secrets,
            default_severity: Severity::Error,
            summary: "a credential sits in plain text in an env value, ConfigMap value or container argument".into(),
            rationale: "A password in an env value or ConfigMap is in every clone of the repository and its \
history, in `kubectl describe` output and in the API server's audit log; rotating it means rewriting history. \
Connection strings with an embedded password and pasted keys or tokens are the usual way it happens."
                .into(),
            fix: "Rotate the credential. Move it to a SealedSecret or ExternalSecret and read it with \
`valueFrom.secretKeyRef` (or `envFrom.secretRef`); for a connection string, pass the password separately or \
build the URL from `$(DB_PASSWORD)`."
                .into(),
            bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  DATABASE_URL: postgresql://app:hunter2@db:5432/app\n  ADMIN_PASSWORD: correct-horse\n".into(),
            good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  DATABASE_URL: postgresql://app@db:5432/app\n  TOKEN_TTL: \"3600\"\n  CACHE_KEY_PREFIX: api\n  ADMIN_PASSWORD: ${ADMIN_PASSWORD}\n".into(),
        },
        check,
    )
}

/// The words of a key, upper-cased: split on `_`, `-`, `.`, `/` and at
/// lower-to-upper camelCase boundaries.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in key.chars() {
        if matches!(ch, '_' | '-' | '.' | '/' | ' ') {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if ch.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_lowercase() || ch.is_ascii_digit();
        current.extend(ch.to_uppercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The secret words, as the key words they are made of.
const SECRET_WORDS: &[(&str, &[&str])] = &[
    ("SECRET", &["SECRET"]),
    ("PASSWORD", &["PASSWORD"]),
    ("PASSWD", &["PASSWD"]),
    ("PASS", &["PASS"]),
    ("PWD", &["PWD"]),
    ("TOKEN", &["TOKEN"]),
    ("CREDENTIALS", &["CREDENTIALS"]),
    ("API_KEY", &["APIKEY"]),
    ("API_KEY", &["API", "KEY"]),
    ("PRIVATE_KEY", &["PRIVATE", "KEY"]),
];

/// Words that may follow a secret word in a key that still names the
/// secret itself: `SECRET_KEY`, `SECRET_ACCESS_KEY`, `SECRET_KEY_BASE`,
/// `PASSWORD_VALUE`. Any other word makes the key a setting about the
/// secret (`TOKEN_TTL`, `PASSWORD_POLICY`, `PASSWORD_FILE`, `SECRET_NAME`,
/// `SECRET_KEY_REF`, `TOKEN_URL`), not the secret.
const STILL_SECRET: &[&str] = &["KEY", "ACCESS", "BASE", "VALUE"];

/// A key word as it is compared with the secret words: without the digits
/// that number it (`PASSWORD2`), and a password word glued to a prefix
/// (`PGPASSWORD`, `ADMINPASSWD`) as the password word itself.
fn normalized(word: &str) -> &str {
    let trimmed = word.trim_end_matches(|c: char| c.is_ascii_digit());
    let word = if trimmed.is_empty() { word } else { trimmed };
    ["PASSWORD", "PASSWD"]
        .into_iter()
        .find(|password| word.ends_with(password))
        .unwrap_or(word)
}

/// Whether any word of a key is a secret word or `KEY`, whatever follows
/// it (`MY_SECRET_NUM`, `TOKEN_TTL`): a looser reading than
/// [`secret_word`], for values that count unless the key names no secret
/// at all.
pub(crate) fn mentions_a_secret(key: &str) -> bool {
    words(key).iter().map(|word| normalized(word)).any(|word| {
        word == "KEY"
            || SECRET_WORDS
                .iter()
                .any(|(_, parts)| matches!(parts, [only] if *only == word))
    })
}

/// Whether the last word of a key is `ID` (`AZURE_CLIENT_ID`, `clientId`).
pub(crate) fn names_an_id(key: &str) -> bool {
    words(key).last().is_some_and(|word| word == "ID")
}

/// The secret word a key holds as a token, when only words that still name
/// the secret (or numbers) follow it, with those words:
/// `AWS_SECRET_ACCESS_KEY` (SECRET_ACCESS_KEY), `RABBITMQ_DEFAULT_PASS`
/// (PASS), `dbPassword` (PASSWORD); not `TOKEN_TTL`, `CACHE_KEY_PREFIX`,
/// `PUBLIC_KEY` or `PASSWORD_POLICY`.
pub(crate) fn secret_word(key: &str) -> Option<String> {
    let words = words(key);
    let words: Vec<&str> = words.iter().map(|word| normalized(word)).collect();
    (0..words.len()).find_map(|at| {
        let rest = words.get(at..).unwrap_or_default();
        SECRET_WORDS.iter().find_map(|(name, parts)| {
            let after = rest.strip_prefix(*parts)?;
            let numbered = |word: &&str| word.chars().all(|c| c.is_ascii_digit());
            if !after
                .iter()
                .all(|word| STILL_SECRET.contains(word) || numbered(word))
            {
                return None;
            }
            let mut label = (*name).to_owned();
            for word in after.iter().filter(|word| !numbered(word)) {
                label.push('_');
                label.push_str(word);
            }
            Some(label)
        })
    })
}

/// Whether a value under a secret-named key is not a credential.
fn harmless(value: &str) -> bool {
    let value = value.trim();
    value.is_empty()
        || value.parse::<f64>().is_ok()
        || matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none"
        )
        || is_placeholder(value)
        || is_templated(value)
        || holds_no_secret(value)
        || (value.starts_with('/') && !value.contains(char::is_whitespace))
}

/// A value filled in elsewhere: a `${VAR}`/`$(VAR)` expansion or a
/// template expression anywhere in it.
fn is_templated(value: &str) -> bool {
    value.contains("${") || value.contains("$(") || value.contains("{{")
}

/// Whether a value is to be filled in, not a value: a placeholder or a
/// template expression (`plaintext-secret` does not count such values).
pub(crate) fn is_fill_in(value: &str) -> bool {
    let value = value.trim();
    is_placeholder(value) || is_templated(value)
}

fn is_placeholder(value: &str) -> bool {
    is_upper_snake_placeholder(value)
        || is_replace_me(value)
        || says_no_secret_is_needed(value)
        || is_braced_name(value)
        || is_bracketed_name(value)
        || is_printf_verb(value)
        || (value.starts_with("${") && value.ends_with('}'))
        || (value.starts_with("$(") && value.ends_with(')'))
        || (value.starts_with("{{") && value.ends_with("}}"))
        || (value.starts_with('<') && value.ends_with('>'))
        || value.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '#'))
        || (value.starts_with('$')
            && value.len() > 1
            && value
                .get(1..)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')))
}

/// `%s`: a printf verb that a script fills in (`printf 'https://x:%s@host'
/// "$TOKEN"`).
fn is_printf_verb(value: &str) -> bool {
    value
        .strip_prefix('%')
        .is_some_and(|verb| verb.len() == 1 && verb.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `replaceme`, `Replace-Me`, `REPLACEME_WITH_TOKEN`: the author's own
/// request to put a value there, in whatever case and spelling. (A default
/// such as `changeme` is deployed as it is, and stays a value.)
fn is_replace_me(value: &str) -> bool {
    let letters: String = value
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters.starts_with("replaceme")
}

/// `sk-no-key-required`, `not-needed`, `dummy`: a value that says no
/// secret goes there, which clients that insist on a key are given for a
/// server without authentication (a local model server, say).
fn says_no_secret_is_needed(value: &str) -> bool {
    let words: Vec<String> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let has = |phrase: &[&str]| words.windows(phrase.len()).any(|window| window == phrase);
    has(&["no", "key"])
        || has(&["not", "needed"])
        || has(&["not", "required"])
        || has(&["dummy"])
        || has(&["unused"])
}

/// `[PASSWORD]`, `[your-token]`: a name in square brackets, as
/// documentation writes what the reader fills in. (YAML reads an unquoted
/// one as a list: only a quoted one is a string here.)
fn is_bracketed_name(value: &str) -> bool {
    value
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        })
}

/// `{RTSP_PASSWORD}`: a name in single braces, which applications such as
/// Frigate and many config templates fill in from the environment.
fn is_braced_name(value: &str) -> bool {
    value
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        })
}

/// `INSERT_ETCD_TOKEN`, `GOOGLE_API_KEY_VAL`, `SECRET`: an upper-case
/// identifier with an underscore, or a bare secret word, is a template
/// placeholder, not a credential.
fn is_upper_snake_placeholder(value: &str) -> bool {
    is_upper_case_name(value) && (value.contains('_') || secret_word(value).is_some())
}

/// What kind of credential a value looks like, whatever its key.
pub(crate) fn credential_shape(value: &str) -> Option<&'static str> {
    if url_with_password(value) {
        return Some("a URL with an embedded password");
    }
    if has_pem_private_key(value) {
        return Some("a PEM private key");
    }
    if has_jwt(value) {
        return Some("a JSON Web Token");
    }
    cloud_key(value)
}

/// A PEM private key: a `-----BEGIN … PRIVATE KEY-----` line followed by a
/// line of base64 (a JSON string's `\n` counts as a line break, as in a
/// cloud service account's key file). A script that only prints the
/// header (`echo "-----BEGIN OPENSSH PRIVATE KEY-----"`) holds no key.
fn has_pem_private_key(value: &str) -> bool {
    let text = value.replace("\\n", "\n");
    text.match_indices("-----BEGIN ").any(|(at, _)| {
        let rest = text.get(at..).unwrap_or("");
        let (header, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let Some(label_end) = header.get(11..).and_then(|label| label.find("-----")) else {
            return false;
        };
        let label = header.get(11..11 + label_end).unwrap_or("");
        let header_rest = header.get(11 + label_end + 5..).unwrap_or("");
        label.ends_with("PRIVATE KEY")
            && header_rest.trim().is_empty()
            && after
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .is_some_and(is_base64_alphabet)
    })
}

/// The armour of a private key around no key (`-----BEGIN … PRIVATE
/// KEY-----`, `# key goes here`, `-----END …`): a template to fill in.
pub(crate) fn is_empty_key_armour(value: &str) -> bool {
    value.trim_start().starts_with("-----BEGIN")
        && value.contains("PRIVATE KEY")
        && !has_pem_private_key(value)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `scheme://user:password@host` with a non-placeholder password.
fn url_with_password(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find("://") {
        let after = rest.get(at + 3..).unwrap_or("");
        let scheme_ok = rest
            .get(..at)
            .and_then(|before| before.chars().last())
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let authority_end = after
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(after.len());
        let authority = after.get(..authority_end).unwrap_or("");
        if let Some((userinfo, _host)) = authority.rsplit_once('@') {
            if let Some((_user, password)) = userinfo.split_once(':') {
                if scheme_ok
                    && !password.is_empty()
                    && !is_placeholder(password)
                    && !password.contains("${")
                    && !password.contains("$(")
                    && !password.chars().all(|c| c == '*' || c == 'x' || c == 'X')
                {
                    return true;
                }
            }
        }
        rest = after;
    }
    false
}

fn has_jwt(value: &str) -> bool {
    let mut rest = value;
    while let Some(at) = rest.find("eyJ") {
        let preceded_by_token = rest
            .get(..at)
            .and_then(|before| before.chars().last())
            .is_some_and(is_token_char);
        let candidate = rest.get(at..).unwrap_or("");
        let end = candidate
            .find(|c: char| !(is_token_char(c) || c == '.'))
            .unwrap_or(candidate.len());
        let token = candidate.get(..end).unwrap_or("");
        let parts: Vec<&str> = token.split('.').collect();
        if !preceded_by_token
            && parts.len() == 3
            && parts.iter().all(|part| part.len() >= 10)
            && parts
                .get(1)
                .is_some_and(|payload| payload.starts_with("eyJ"))
        {
            return true;
        }
        rest = candidate.get(3..).unwrap_or("");
    }
    false
}

/// A prefix and the characters and length of what follows it.
struct KeyShape {
    prefix: &'static str,
    name: &'static str,
    length: usize,
    alphabet: fn(char) -> bool,
}

fn upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn url_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

const KEY_SHAPES: &[KeyShape] = &[
    KeyShape {
        prefix: "AKIA",
        name: "an AWS access key",
        length: 16,
        alphabet: upper_alnum,
    },
    KeyShape {
        prefix: "ASIA",
        name: "an AWS access key",
        length: 16,
        alphabet: upper_alnum,
    },
    KeyShape {
        prefix: "AIza",
        name: "a Google API key",
        length: 35,
        alphabet: url_safe,
    },
    KeyShape {
        prefix: "ghp_",
        name: "a GitHub token",
        length: 36,
        alphabet: alnum,
    },
    KeyShape {
        prefix: "gho_",
        name: "a GitHub token",
        length: 36,
        alphabet: alnum,
    },
    KeyShape {
        prefix: "ghs_",
        name: "a GitHub token",
        length: 36,
        alphabet: alnum,
    },
    KeyShape {
        prefix: "ghu_",
        name: "a GitHub token",
        length: 36,
        alphabet: alnum,
    },
    KeyShape {
        prefix: "github_pat_",
        name: "a GitHub token",
        length: 22,
        alphabet: url_safe,
    },
    KeyShape {
        prefix: "xoxb-",
        name: "a Slack token",
        length: 10,
        alphabet: url_safe,
    },
    KeyShape {
        prefix: "xoxp-",
        name: "a Slack token",
        length: 10,
        alphabet: url_safe,
    },
    KeyShape {
        prefix: "xoxa-",
        name: "a Slack token",
        length: 10,
        alphabet: url_safe,
    },
    KeyShape {
        prefix: "xoxs-",
        name: "a Slack token",
        length: 10,
        alphabet: url_safe,
    },
];

fn cloud_key(value: &str) -> Option<&'static str> {
    for shape in KEY_SHAPES {
        let mut rest = value;
        while let Some(at) = rest.find(shape.prefix) {
            let preceded_by_token = rest
                .get(..at)
                .and_then(|before| before.chars().last())
                .is_some_and(|c| c.is_ascii_alphanumeric());
            let after = rest.get(at + shape.prefix.len()..).unwrap_or("");
            let run = after.chars().take_while(|c| (shape.alphabet)(*c)).count();
            let exact = shape.prefix.starts_with("xox") || shape.prefix == "github_pat_";
            let long_enough = if exact {
                run >= shape.length
            } else {
                run == shape.length
            };
            if !preceded_by_token && long_enough {
                return Some(shape.name);
            }
            rest = after;
        }
    }
    if let Some(at) = value.find("AccountKey=") {
        let key = value.get(at + "AccountKey=".len()..).unwrap_or("");
        let run = key
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/' || *c == '=')
            .count();
        if run >= 40 {
            return Some("an Azure storage account key");
        }
    }
    None
}

/// Why a keyed value is a credential, if it is.
fn finding_for(key: &str, value: &str) -> Option<String> {
    if let Some(shape) = credential_shape(value) {
        return Some(format!("holds {shape} in plain text"));
    }
    let word = secret_word(key)?;
    (!harmless(value)).then(|| format!("is named like a secret ({word}) and holds a literal value"))
}

/// Whether a command-line flag takes a secret (`--password`,
/// `--oidc-client-secret`, `-token`). Single-letter
/// flags (`-p`) are left alone: they mean a port or a path as often as a
/// password.
fn is_secret_flag(token: &str) -> bool {
    let name = token.strip_prefix("--").or_else(|| token.strip_prefix('-'));
    name.is_some_and(|name| name.chars().count() > 1 && secret_word(name).is_some())
}

/// Whether a flag's value is not a literal credential: what [`harmless`]
/// lets through, or a shell expansion (`"$DB_PASSWORD"`, `$(cat …)`).
fn harmless_flag_value(value: &str) -> bool {
    let value = value.trim_matches(['"', '\'']);
    harmless(value) || value.contains('$') || value.contains('`') || names_an_object(value)
}

/// `namespace/name`, the form in which controllers' flags name a Secret
/// object (`-basic-auth-secret=ingress/basic-auth`): a reference, not a
/// credential. Both parts are Kubernetes object names (lower-case
/// letters, digits, `-` and `.`, starting and ending alphanumeric).
fn names_an_object(value: &str) -> bool {
    let is_name = |part: &str| {
        !part.is_empty()
            && part.len() <= 253
            && part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    value
        .split_once('/')
        .is_some_and(|(namespace, name)| is_name(namespace) && is_name(name))
}

/// The command-line items that pass a literal to a secret flag, with the
/// flag: `--password VALUE` (the value in the same item, or the next one)
/// and `--token=VALUE`, also inside a shell script item (`sh -c "…"`).
fn flag_literals(items: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, item) in items.iter().enumerate() {
        let tokens: Vec<&str> = item.split_whitespace().collect();
        for (position, token) in tokens.iter().enumerate() {
            let token = token.trim_start_matches(['"', '\'']);
            let (flag, value, value_item) = match token.split_once('=') {
                Some((flag, value)) => (flag, Some(value), at),
                None => match tokens.get(position + 1) {
                    Some(next) => (token, Some(*next), at),
                    None => (
                        token,
                        items
                            .get(at + 1)
                            .and_then(|next| next.split_whitespace().next()),
                        at + 1,
                    ),
                },
            };
            let Some(value) = value else {
                continue;
            };
            if !is_secret_flag(flag) || value.starts_with('-') || harmless_flag_value(value) {
                continue;
            }
            let flag = flag.to_owned();
            if !found.contains(&(value_item, flag.clone())) {
                found.push((value_item, flag));
            }
        }
    }
    found
}

/// A credential written in an object: where its value is and what to say.
pub(crate) struct Credential {
    /// JSON pointer of the value in the object.
    pointer: String,
    /// The value's text in the file.
    pub(crate) span: TextRange,
    /// The message, which names the key but never the value.
    message: String,
}

/// The credentials written in plain text in an object's env values,
/// container command lines and ConfigMap values.
pub(crate) fn credentials(object: &Object) -> Vec<Credential> {
    let mut found = Vec::new();
    if object.identity.is("", "ConfigMap") {
        for entry in object
            .node
            .get("data")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let Value::String(value) = &entry.value.value else {
                continue;
            };
            if let Some(why) = finding_for(&entry.key, value) {
                found.push(Credential {
                    pointer: pointer_of(["data", entry.key.as_str()]),
                    span: entry.value.span,
                    message: format!("ConfigMap key {} {why}", entry.key),
                });
            }
        }
        return found;
    }
    for container in containers(object) {
        let name = container.name();
        for (at, variable) in container
            .node
            .get("env")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let (Some(key), Some(value)) = (
                variable.get("name").and_then(Node::as_str),
                variable.get("value"),
            ) else {
                continue;
            };
            let Some(text) = value.as_str() else {
                continue;
            };
            if let Some(why) = finding_for(key, text) {
                found.push(Credential {
                    pointer: container.pointer(&format!("env/{at}/value")),
                    span: value.span,
                    message: format!("env {key} of container {name} {why}"),
                });
            }
        }
        for list in ["command", "args"] {
            let nodes = container
                .node
                .get(list)
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let texts: Vec<&str> = nodes
                .iter()
                .map(|node| node.as_str().unwrap_or_default())
                .collect();
            let mut flagged: Vec<(usize, String)> = Vec::new();
            for (at, text) in texts.iter().enumerate() {
                if let Some(shape) = credential_shape(text) {
                    flagged.push((at, format!("holds {shape} in plain text")));
                }
            }
            for (at, flag) in flag_literals(&texts) {
                if !flagged.iter().any(|(other, _)| *other == at) {
                    flagged.push((at, format!("passes a literal value to {flag}")));
                }
            }
            flagged.sort();
            for (at, why) in flagged {
                let Some(node) = nodes.get(at) else {
                    continue;
                };
                found.push(Credential {
                    pointer: container.pointer(&format!("{list}/{at}")),
                    span: node.span,
                    message: format!("{list} item {at} of container {name} {why}"),
                });
            }
        }
    }
    found
}

fn check(context: &DocumentContext<'_>, sink: &mut Sink) {
    let object = context.object;
    let help = "move the value to a SealedSecret or ExternalSecret, reference it with secretKeyRef, and rotate it";
    for credential in credentials(object) {
        sink.push(
            Violation::at_value(object, credential.pointer, credential.message).with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_secret_words_as_tokens() {
        for key in [
            "DB_PASSWORD",
            "PASSWORD",
            "client-secret",
            "GITHUB_TOKEN",
            "STRIPE_API_KEY",
            "apiKey",
            "dbPassword",
            "TLS_PRIVATE_KEY",
            "DJANGO_SECRET_KEY",
            "GOOGLE_CREDENTIALS",
            "smtp.passwd",
            "AWS_SECRET_ACCESS_KEY",
            "RABBITMQ_DEFAULT_PASS",
            "MYSQL_PWD",
            "DB_PASS",
            "PGPASSWORD",
            "SECRET_KEY_BASE",
            "password2",
            "API_TOKEN_1",
        ] {
            assert!(secret_word(key).is_some(), "{key}");
        }
        for key in [
            "TOKEN_TTL",
            "CACHE_KEY_PREFIX",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "KEY",
            "TOKENIZER",
            "LOG_LEVEL",
            "PUBLIC_KEY",
            "PASSWORD_POLICY",
            "PASSWORD_MIN_LENGTH",
            "SECRET_KEY_REF",
            "TOKEN_URL",
            "BYPASS",
            "PASS_THROUGH",
            "AWS_ACCESS_KEY_ID",
            "COMPASS",
        ] {
            assert!(secret_word(key).is_none(), "{key}");
        }
        assert_eq!(
            secret_word("AWS_SECRET_ACCESS_KEY").as_deref(),
            Some("SECRET_ACCESS_KEY")
        );
        assert_eq!(
            secret_word("MINIO_SECRET_KEY").as_deref(),
            Some("SECRET_KEY")
        );
        assert_eq!(secret_word("PGPASSWORD").as_deref(), Some("PASSWORD"));
    }

    #[test]
    fn ordinary_values_under_secret_keys_pass() {
        assert_eq!(finding_for("TOKEN_TTL", "3600"), None);
        assert_eq!(finding_for("CACHE_KEY_PREFIX", "api:"), None);
        assert_eq!(finding_for("SESSION_TOKEN", "3600"), None);
        assert_eq!(finding_for("DB_PASSWORD", ""), None);
        assert_eq!(finding_for("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(finding_for("DB_PASSWORD", "$(DB_PASSWORD)"), None);
        assert_eq!(finding_for("DB_PASSWORD", "/run/secrets/db-password"), None);
        assert_eq!(finding_for("REQUIRE_PASSWORD", "true"), None);
        assert_eq!(
            finding_for("ETCD_DISCOVERY_TOKEN", "INSERT_ETCD_DISCOVERY_TOKEN"),
            None
        );
        assert_eq!(finding_for("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"), None);
        assert_eq!(finding_for("COOKIE_SECRET", "SECRET"), None);
        assert!(finding_for("COOKIE_SECRET", "CHANGEME").is_some());
        assert_eq!(finding_for("COOKIE_SECRET", "replaceme"), None);
        assert_eq!(
            finding_for("COOKIE_SECRET", "Replace-Me-With-A-Secret"),
            None
        );
        assert_eq!(finding_for("COOKIE_SECRET", "[COOKIE_SECRET]"), None);
        assert_eq!(finding_for("COOKIE_SECRET", "[your cookie secret]"), None);
        assert!(finding_for("COOKIE_SECRET", "replace").is_some());
        assert!(finding_for("COOKIE_SECRET", "[x]y").is_some());
        assert!(finding_for("COOKIE_SECRET", "[a=b;c]").is_some());
        assert!(finding_for("COOKIE_SECRET", "Xy_7Q").is_some());
        assert!(finding_for("DB_PASSWORD", "hunter2").is_some());
        assert_eq!(finding_for("OPENAI_API_KEY", "sk-no-key-required"), None);
        assert_eq!(finding_for("LLM_API_KEY", "not-needed"), None);
        assert_eq!(finding_for("LLM_API_KEY", "dummy"), None);
        assert!(finding_for("LLM_API_KEY", "monkey-key").is_some());
        assert!(finding_for("LLM_API_KEY", "nokey").is_some());
    }

    #[test]
    fn messages_never_repeat_the_secret() {
        let cases = [
            ("DB_PASSWORD", "hunter2-long-enough"),
            ("DATABASE_URL", "postgresql://user:s3cr3t-pass@host/db"),
            (
                "SERVICE_TOKEN",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcGkifQ.c2lnbmF0dXJlLXZhbHVl",
            ),
            ("AWS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ];
        for (key, value) in cases {
            let message = finding_for(key, value).unwrap();
            assert!(!message.contains(value), "{message}");
            for part in value.split([':', '@', '/', '.']).filter(|p| p.len() > 4) {
                assert!(!message.contains(part), "{message} repeats {part}");
            }
        }
    }

    #[test]
    fn credential_shapes_are_found_anywhere() {
        let found = finding_for("DATABASE_URL", "postgresql://user:pass@host/db").unwrap();
        assert!(!found.contains("pass@"), "{found}");
        assert!(credential_shape("redis://:s3cret@cache:6379/0").is_some());
        assert!(credential_shape("postgresql://user@host/db").is_none());
        assert!(credential_shape("postgresql://user:${DB_PASSWORD}@host/db").is_none());
        assert!(credential_shape("postgresql://user:$(DB_PASSWORD)@host/db").is_none());
        assert!(credential_shape("https://example.com/a:b@c").is_none());
        assert!(credential_shape(
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
        )
        .is_some());
        assert!(credential_shape("-----BEGIN CERTIFICATE-----").is_none());
        assert!(credential_shape(
            "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----\\n\"}"
        )
        .is_some());
        assert!(credential_shape(
            "echo \"-----BEGIN OPENSSH PRIVATE KEY-----\"\ncat /keys/id | fold -w 70\necho \"-----END OPENSSH PRIVATE KEY-----\"\n"
        )
        .is_none());
        assert!(credential_shape("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U").is_some());
        assert!(credential_shape("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(credential_shape("XAKIAIOSFODNN7EXAMPLE").is_none());
        assert!(credential_shape("AKIAIOSFODNN7EXAMPLEX").is_none());
        assert!(credential_shape("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").is_some());
        assert!(credential_shape("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==").is_some());
        assert!(credential_shape("--port=8080").is_none());
    }

    #[test]
    fn literal_values_of_secret_flags_are_found() {
        let found = |items: &[&str]| flag_literals(items);
        assert_eq!(
            found(&["--password", "hunter2"]),
            vec![(1, "--password".to_owned())]
        );
        assert_eq!(found(&["--token=abc123"]), vec![(0, "--token".to_owned())]);
        assert_eq!(
            found(&["mysql --password=abc -h db"]),
            vec![(0, "--password".to_owned())]
        );
        assert_eq!(
            found(&["-client-secret", "abc"]),
            vec![(1, "-client-secret".to_owned())]
        );
        for items in [
            &["--password", "$(DB_PASSWORD)"][..],
            &["--password=\"$DB_PASSWORD\""],
            &["--token", "--verbose"],
            &["--password"],
            &["--password-file=/run/secrets/db"],
            &["-p", "5432"],
            &["--token-ttl=1h"],
            &["--password="],
            &["-basic-auth-secret=ingress/basic-auth"],
        ] {
            assert!(found(items).is_empty(), "{items:?}");
        }
    }
}
