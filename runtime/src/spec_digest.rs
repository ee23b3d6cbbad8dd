//! A digest of a platform's schema that ignores where each item was written: two builds of the same spec agree
//! whatever folder it was read from and however its comments and blank lines moved, and differ on any change a
//! server or client would see. `hisgate serve --spec` compares it with the compiled-in spec's.

use crate::schema::PlatformSchema;
use sha2::{Digest, Sha256};

/// SHA-256 (hex) of the schema's members, every `SourcePos` left out.
pub fn digest(platform: &PlatformSchema) -> String {
    // The derived `Debug` spells every member, and `Cow` prints borrowed (static) and owned (loaded) text alike.
    let text = format!("{platform:?}");
    let mut hasher = Sha256::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("SourcePos {") {
        hasher.update(&rest.as_bytes()[..start]);
        // `SourcePos { file: "…", line: N, column: N }`: the file's text is escaped, so skip to its last member.
        let after = &rest[start..];
        let end = after.find(", column: ").and_then(|c| after[c..].find('}').map(|b| c + b + 1)).unwrap_or(after.len());
        rest = &after[end..];
    }
    hasher.update(rest.as_bytes());
    base16ct::lower::encode_string(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{SourcePos, Str};

    #[test]
    fn ignores_positions_and_sees_every_other_change() {
        let mut a = PlatformSchema {
            name: Str::Borrowed("x"),
            title: Str::Borrowed("平台"),
            document: Str::Borrowed(""),
            seed: None,
            description: Str::Borrowed(""),
            origin: SourcePos { file: Str::Borrowed("specs/x/platform.yaml"), line: 1, column: 1 },
            return_codes: Default::default(),
            errata: Default::default(),
            dictionaries: Default::default(),
            messages: Default::default(),
            interfaces: Default::default(),
            protocol: None,
            examples: Default::default(),
        };
        let mut b = a.clone();
        b.origin = SourcePos { file: Str::Owned("/elsewhere/x/platform.yaml".into()), line: 9, column: 3 };
        assert_eq!(digest(&a), digest(&b));
        a.title = Str::Borrowed("另一个");
        assert_ne!(digest(&a), digest(&b));
    }
}
