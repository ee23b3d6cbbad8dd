//! Templates over inputs: `{key}`, `&key={key}&timestamp={timestamp}`, `{appId[0..16]}` (characters 0 to 16).

/// Where [`render`] finds a placeholder's value. The runtime's `secret::Inputs` (credentials and call inputs)
/// implements it; the trait keeps templates here, beside the IR that codegen checks them against, without the
/// runtime's secret handling.
pub trait Lookup {
    fn get(&self, name: &str) -> Option<&str>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("missing input `{0}`")]
    Missing(String),
    #[error("`{name}` has {len} characters, fewer than the {end} that `{{{name}[{start}..{end}]}}` takes")]
    TooShort { name: String, start: usize, end: usize, len: usize },
    #[error("malformed template `{0}` (expected text with `{{name}}` or `{{name[a..b]}}` placeholders)")]
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'t> {
    Text(&'t str),
    Var { name: &'t str, slice: Option<(usize, usize)> },
}

/// Splits a template into text and placeholders.
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    pieces(template).collect()
}

/// The template's pieces in order, each checked as it is reached: [`render`] walks them without collecting.
fn pieces(template: &str) -> impl Iterator<Item = Result<Piece<'_>, TemplateError>> {
    let malformed = move || TemplateError::Malformed(template.to_owned());
    let mut rest = template;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || rest.is_empty() {
            return None;
        }
        let piece = match rest.find('{') {
            Some(0) => placeholder(rest).map(|(piece, after)| {
                rest = after;
                piece
            }),
            Some(open) => {
                let text = &rest[..open];
                rest = &rest[open..];
                Ok(Piece::Text(text))
            }
            None if rest.contains('}') => Err(()),
            None => Ok(Piece::Text(std::mem::take(&mut rest))),
        };
        failed = piece.is_err();
        Some(piece.map_err(|_| malformed()))
    })
}

/// The placeholder `rest` starts with, and what follows it.
fn placeholder(rest: &str) -> Result<(Piece<'_>, &str), ()> {
    let close = rest.find('}').ok_or(())?;
    let inner = &rest[1..close];
    let (name, slice) = match inner.split_once('[') {
        Some((name, range)) => {
            let range = range.strip_suffix(']').ok_or(())?;
            let (a, b) = range.split_once("..").ok_or(())?;
            let (a, b): (usize, usize) = (a.parse().map_err(|_| ())?, b.parse().map_err(|_| ())?);
            if a > b {
                return Err(());
            }
            (name, Some((a, b)))
        }
        None => (inner, None),
    };
    match is_name(name) {
        true => Ok((Piece::Var { name, slice }, &rest[close + 1..])),
        false => Err(()),
    }
}

/// What a placeholder may name: ASCII letters, digits, `_` and `-`.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// The names a template reads.
pub fn names(template: &str) -> Result<Vec<&str>, TemplateError> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Whether `template` reads input `name`, whole or sliced (`{name}`, `{name[a..b]}`).
pub fn reads(template: &str, name: &str) -> bool {
    placeholders(template).any(|read| read == name)
}

/// The names `template`'s placeholders read, whole or sliced, in order (a name read twice comes twice): [`names`]
/// as a scan without checking or allocating, as the envelope makes of every message it seals.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.match_indices('{').filter_map(|(at, _)| {
        let after = &template[at + 1..];
        after.find(['}', '[', '{']).filter(|end| after.as_bytes()[*end] != b'{').map(|end| &after[..end])
    })
}

pub fn render(template: &str, inputs: &(impl Lookup + ?Sized)) -> Result<String, TemplateError> {
    // A template that is one whole placeholder (`{partner}`, a cipher's `{key}`: most envelope fields) is its
    // input's value, copied once rather than grown into a buffer sized for the template.
    if let Some(name) = template.strip_prefix('{').and_then(|t| t.strip_suffix('}')).filter(|n| is_name(n)) {
        return inputs.get(name).map(str::to_owned).ok_or_else(|| TemplateError::Missing(name.to_owned()));
    }
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece? {
            Piece::Text(text) => out.push_str(text),
            Piece::Var { name, slice } => {
                let value = inputs.get(name).ok_or_else(|| TemplateError::Missing(name.to_owned()))?;
                match slice {
                    None => out.push_str(value),
                    Some((start, end)) => {
                        let len = value.chars().count();
                        if len < end {
                            return Err(TemplateError::TooShort { name: name.to_owned(), start, end, len });
                        }
                        out.extend(value.chars().skip(start).take(end - start));
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inputs(&'static [(&'static str, &'static str)]);

    impl Lookup for Inputs {
        fn get(&self, name: &str) -> Option<&str> {
            self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        }
    }

    #[test]
    fn renders_names_and_slices() {
        let inputs = Inputs(&[("key", "K"), ("appId", "1A3VL0KVK0000B020A0A0000CC3F48AD")]);
        assert_eq!(render("&key={key}", &inputs).unwrap(), "&key=K");
        assert_eq!(render("{appId[0..16]}", &inputs).unwrap(), "1A3VL0KVK0000B02");
        assert_eq!(render("md5", &inputs).unwrap(), "md5");
        assert_eq!(render("{timestamp}", &inputs), Err(TemplateError::Missing("timestamp".into())));
        assert!(matches!(render("{appId[0..40]}", &inputs), Err(TemplateError::TooShort { len: 32, .. })));
        assert!(matches!(parse("{key"), Err(TemplateError::Malformed(_))));
        assert!(matches!(parse("a}b"), Err(TemplateError::Malformed(_))));
        assert_eq!(names("&key={key}&timestamp={timestamp}").unwrap(), ["key", "timestamp"]);
    }

    #[test]
    fn reads_a_name_whole_or_sliced_and_no_other() {
        assert!(reads("&key={key}", "key"));
        assert!(reads("{appId[0..16]}", "appId"));
        assert!(reads("a{x}b{nonce}", "nonce"));
        assert!(!reads("{keyId}", "key"));
        assert!(!reads("{key}", "keyId"));
        assert!(!reads("key", "key"));
        assert!(!reads("{", "key"));
        assert!(!reads("{{key}", "{key"));
        assert!(reads("{a{key}", "key"));
        let read: Vec<_> = placeholders("{a}b{c[0..2]}{a}{d").collect();
        assert_eq!(read, ["a", "c", "a"]);
    }
}
