//! Marker attributes and `include_glue!` for ferry.
//!
//! The attributes do not transform anything: `ferry generate` reads the crate's source,
//! finds the marked items and writes the glue. Keeping the macros inert means the crate
//! compiles exactly as written, and the generator is the one place that knows the rules.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use std::path::PathBuf;

/// Marks a function, impl block, record struct, enum, error enum (`error`), object
/// (`object`) or callback trait (`callback`) for `ferry generate`. The item is unchanged.
#[proc_macro_attribute]
pub fn export(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Marks the crate's runtime fn, `fn() -> ferry::RuntimeConfig` (at most one per crate):
/// `ferry generate` has the glue register it when the library loads, and ferry calls it
/// once, when its runtime is first needed. The fn is unchanged.
#[proc_macro_attribute]
pub fn runtime(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Pulls in the Rust glue that `ferry generate` wrote to `<crate>/.ferry/glue.rs`.
/// When the file is missing, compilation stops with an instruction instead of a bare
/// "file not found".
#[proc_macro]
pub fn include_glue(_input: TokenStream) -> TokenStream {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let glue: PathBuf = [manifest_dir.as_str(), ".ferry", "glue.rs"].iter().collect();
    if glue.is_file() {
        macro_call("include", Literal::string(&glue.to_string_lossy()))
    } else {
        let message = format!(
            "ferry glue not found at {}: run `npx ferry generate {} --kotlin-out <dir>` first",
            glue.display(),
            manifest_dir
        );
        macro_call("compile_error", Literal::string(&message))
    }
}

fn macro_call(name: &str, argument: Literal) -> TokenStream {
    let mut args = TokenStream::new();
    args.extend([TokenTree::Literal(argument)]);
    let mut out = TokenStream::new();
    out.extend([
        TokenTree::Ident(Ident::new(name, Span::call_site())),
        TokenTree::Punct(Punct::new('!', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Parenthesis, args)),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    ]);
    out
}
