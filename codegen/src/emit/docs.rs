//! Doc comments carrying the spec's Chinese titles and descriptions into the generated code.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "…"]` lines for a title and an optional longer text.
pub fn doc(lines: &[&str]) -> TokenStream {
    let mut out = Vec::new();
    for (i, block) in lines.iter().filter(|l| !l.trim().is_empty()).enumerate() {
        if i > 0 {
            out.push(String::new());
        }
        out.extend(block.trim_end().lines().map(|l| format!(" {l}")));
    }
    let out = out.iter().map(|l| if l.is_empty() { "" } else { l.as_str() });
    quote!(#(#[doc = #out])*)
}
