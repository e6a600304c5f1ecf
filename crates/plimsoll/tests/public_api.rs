//! The library's public API, item by item, as a snapshot: a new public
//! item, a changed signature or a new field shows in review as a change to
//! `snapshots/public_api__public_api.snap` instead of going unnoticed.
//! `#![warn(unreachable_pub)]` in `lib.rs` (denied in CI) keeps every `pub`
//! item reachable from the crate root, so the `pub` items of the sources
//! are the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{Attribute, ImplItem, Item, TraitItem, Visibility};

#[test]
fn public_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = Vec::new();
    collect_modules(&src.join("lib.rs"), "plimsoll", &mut modules);
    let public_types: BTreeSet<String> = modules
        .iter()
        .flat_map(|(_, items)| items)
        .filter_map(|item| match item {
            Item::Struct(item) if is_pub(&item.vis) => Some(item.ident.to_string()),
            Item::Enum(item) if is_pub(&item.vis) => Some(item.ident.to_string()),
            _ => None,
        })
        .collect();
    let mut lines = BTreeSet::new();
    for (path, items) in &modules {
        for item in items {
            describe(path, item, &public_types, &mut lines);
        }
    }
    insta::assert_snapshot!(lines.into_iter().collect::<Vec<_>>().join("\n"));
}

/// Every module of the crate outside tests, with its items.
fn collect_modules(file: &Path, path: &str, out: &mut Vec<(String, Vec<Item>)>) {
    let text = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    let directory = module_directory(file);
    collect_items(parsed.items, &directory, path, out);
}

fn collect_items(
    items: Vec<Item>,
    directory: &Path,
    path: &str,
    out: &mut Vec<(String, Vec<Item>)>,
) {
    let mut kept = Vec::new();
    for item in items {
        if is_test_only(item_attrs(&item)) {
            continue;
        }
        if let Item::Mod(module) = &item {
            let child = format!("{path}::{}", module.ident);
            match &module.content {
                Some((_, inner)) => collect_items(
                    inner.clone(),
                    &directory.join(module.ident.to_string()),
                    &child,
                    out,
                ),
                None => {
                    let name = module.ident.to_string();
                    let file = [
                        directory.join(format!("{name}.rs")),
                        directory.join(&name).join("mod.rs"),
                    ]
                    .into_iter()
                    .find(|candidate| candidate.is_file())
                    .unwrap();
                    collect_modules(&file, &child, out);
                }
            }
        }
        kept.push(item);
    }
    out.push((path.to_owned(), kept));
}

/// Where the files of a file's child modules are: `lib.rs` and `mod.rs`
/// hold their folder's; `foo.rs` holds `foo/`'s.
fn module_directory(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap().to_path_buf();
    match file.file_name().and_then(|name| name.to_str()) {
        Some("lib.rs" | "mod.rs") => parent,
        _ => parent.join(file.file_stem().unwrap()),
    }
}

fn describe(
    path: &str,
    item: &Item,
    public_types: &BTreeSet<String>,
    lines: &mut BTreeSet<String>,
) {
    match item {
        Item::Mod(item) if is_pub(&item.vis) => {
            lines.insert(format!("mod {path}::{}", item.ident));
        }
        Item::Use(item) if is_pub(&item.vis) => {
            lines.insert(format!("{path}: use {}", tokens(&item.tree)));
        }
        Item::Struct(item) if is_pub(&item.vis) => {
            let name = format!("{path}::{}", item.ident);
            lines.insert(format!(
                "{}struct {name}{}",
                marks(&item.attrs),
                tokens(&item.generics)
            ));
            for (at, field) in item.fields.iter().enumerate() {
                if is_pub(&field.vis) {
                    let field_name = field
                        .ident
                        .as_ref()
                        .map_or_else(|| at.to_string(), ToString::to_string);
                    lines.insert(format!("field {name}.{field_name}: {}", tokens(&field.ty)));
                }
            }
        }
        Item::Enum(item) if is_pub(&item.vis) => {
            let name = format!("{path}::{}", item.ident);
            lines.insert(format!(
                "{}enum {name}{}",
                marks(&item.attrs),
                tokens(&item.generics)
            ));
            for variant in &item.variants {
                lines.insert(format!(
                    "variant {name}::{}{}",
                    variant.ident,
                    fields(&variant.fields)
                ));
            }
        }
        Item::Fn(item) if is_pub(&item.vis) => {
            lines.insert(format!("{path}: {}", tokens(&item.sig)));
        }
        Item::Const(item) if is_pub(&item.vis) => {
            lines.insert(format!(
                "const {path}::{}: {}",
                item.ident,
                tokens(&item.ty)
            ));
        }
        Item::Static(item) if is_pub(&item.vis) => {
            lines.insert(format!(
                "static {path}::{}: {}",
                item.ident,
                tokens(&item.ty)
            ));
        }
        Item::Type(item) if is_pub(&item.vis) => {
            lines.insert(format!(
                "type {path}::{} = {}",
                item.ident,
                tokens(&item.ty)
            ));
        }
        Item::Trait(item) if is_pub(&item.vis) => {
            let name = format!("{path}::{}", item.ident);
            lines.insert(format!("trait {name}"));
            for member in &item.items {
                if let TraitItem::Fn(method) = member {
                    lines.insert(format!("{name}: {}", tokens(&method.sig)));
                }
            }
        }
        Item::Impl(item) => {
            let self_type = tokens(&item.self_ty);
            let base = self_type
                .split('<')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            if !public_types.contains(&base) {
                return;
            }
            match &item.trait_ {
                Some((_, trait_path, _)) => {
                    lines.insert(format!(
                        "{path}: impl {} for {self_type}",
                        tokens(trait_path)
                    ));
                }
                None => {
                    for member in &item.items {
                        if let ImplItem::Fn(method) = member {
                            if is_pub(&method.vis) && !is_test_only(&method.attrs) {
                                lines.insert(format!(
                                    "{path}::{self_type}: {}",
                                    tokens(&method.sig)
                                ));
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// A variant's fields, types only (their doc comments are not API).
fn fields(fields: &syn::Fields) -> String {
    let types = fields.iter().map(|field| match &field.ident {
        Some(name) => format!("{name}: {}", tokens(&field.ty)),
        None => tokens(&field.ty),
    });
    match fields {
        syn::Fields::Named(_) => format!(" {{ {} }}", types.collect::<Vec<_>>().join(", ")),
        syn::Fields::Unnamed(_) => format!("({})", types.collect::<Vec<_>>().join(", ")),
        syn::Fields::Unit => String::new(),
    }
}

fn is_pub(visibility: &Visibility) -> bool {
    matches!(visibility, Visibility::Public(_))
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(item) => &item.attrs,
        Item::Enum(item) => &item.attrs,
        Item::Fn(item) => &item.attrs,
        Item::Impl(item) => &item.attrs,
        Item::Mod(item) => &item.attrs,
        Item::Static(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        Item::Trait(item) => &item.attrs,
        Item::Type(item) => &item.attrs,
        Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]`: not part of any build a user sees.
fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg") && tokens(&attr.meta).replace(' ', "") == "cfg(test)"
    })
}

/// `#[non_exhaustive] ` when the item has it: it decides what a user may
/// build or match.
fn marks(attrs: &[Attribute]) -> &'static str {
    if attrs
        .iter()
        .any(|attr| attr.path().is_ident("non_exhaustive"))
    {
        "#[non_exhaustive] "
    } else {
        ""
    }
}

/// Rust tokens as text, with the spaces `quote` puts between every token
/// taken out where Rust would not write them.
fn tokens(node: &impl ToTokens) -> String {
    let mut text = node.to_token_stream().to_string();
    for (spaced, tight) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("& '", "&'"),
        ("& ", "&"),
        (" :", ":"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
        (" (", "("),
    ] {
        text = text.replace(spaced, tight);
    }
    text.replace("->", " -> ").replace("  ", " ")
}
