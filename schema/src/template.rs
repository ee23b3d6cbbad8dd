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
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match valid {
        true => Ok((Piece::Var { name, slice }, &rest[close + 1..])),
        false => Err(()),
    }
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

/// Whether `template` reads input `name`, whole or sliced (`{name}`, `{name[a..b]}`): a scan without parsing or
/// allocating, as the envelope asks it of every message it seals.
pub fn reads(template: &str, name: &str) -> bool {
    template.match_indices('{').any(|(at, _)| {
        let after = template[at + 1..].strip_prefix(name);
        after.is_some_and(|after| after.starts_with('}') || after.starts_with('['))
    })
}

pub fn render(template: &str, inputs: &(impl Lookup + ?Sized)) -> Result<String, TemplateError> {
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
    }
}
