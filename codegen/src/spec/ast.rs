//! The specs as written: text with positions, nothing resolved yet.

use hisgate_runtime::schema::SourcePos;

#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub pos: SourcePos,
}

pub type S = Spanned<String>;

#[derive(Debug, Default)]
pub struct PlatformAst {
    pub platform: Option<S>,
    pub title: Option<S>,
    pub document: Option<S>,
    pub seed: Option<S>,
    pub description: Option<S>,
    pub return_codes: Vec<ReturnCodeAst>,
    pub errata: Vec<ErratumAst>,
    pub dictionaries: Vec<DictionaryAst>,
    pub interfaces: Vec<InterfaceAst>,
    /// The folder name, which `platform` must equal.
    pub folder: String,
    pub pos: Option<SourcePos>,
}

#[derive(Debug)]
pub struct ReturnCodeAst {
    pub code: Option<S>,
    pub message: Option<S>,
    pub success: Option<Spanned<bool>>,
    pub description: Option<S>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
}

#[derive(Debug)]
pub struct ErratumAst {
    pub id: Option<S>,
    pub title: Option<S>,
    pub section: Option<S>,
    pub description: Option<S>,
    pub interface: Option<String>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct DictionaryAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub section: Option<S>,
    pub description: Option<S>,
    pub open: Option<Spanned<bool>>,
    pub codes: Option<Vec<CodeAst>>,
    pub tables: Option<Vec<TableAst>>,
    pub erratum: Vec<S>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub struct TableAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub codes: Vec<CodeAst>,
}

#[derive(Debug)]
pub struct CodeAst {
    pub code: Option<S>,
    pub label: Option<S>,
    pub parent: Option<S>,
    pub variant: Option<S>,
    pub description: Option<S>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
}

#[derive(Debug)]
pub struct InterfaceAst {
    pub interface: Option<S>,
    /// The file name without `.yaml`, which `interface` must equal.
    pub file_stem: String,
    pub title: Option<S>,
    pub section: Option<S>,
    pub provider: Option<S>,
    pub service: Option<S>,
    pub path: Option<S>,
    pub retry: Option<S>,
    pub description: Option<S>,
    pub request: Option<MessageAst>,
    pub response: Option<MessageAst>,
    pub return_codes: Vec<ReturnCodeAst>,
    pub pos: SourcePos,
}

#[derive(Debug)]
pub enum MessageAst {
    /// `none`: the document says the message carries nothing.
    Empty,
    /// `open: true`: no field table.
    Open {
        description: Option<S>,
        pos: SourcePos,
    },
    Fields {
        root: Option<S>,
        description: Option<S>,
        fields: Vec<FieldAst>,
        require_one_of: Vec<Vec<S>>,
    },
}

#[derive(Debug)]
pub struct FieldAst {
    pub name: Option<S>,
    pub title: Option<S>,
    pub description: Option<S>,
    pub ty: Option<S>,
    pub required: Option<Spanned<bool>>,
    pub required_when: Option<S>,
    pub dict: Option<S>,
    pub codes: Option<Vec<CodeAst>>,
    pub format: Option<S>,
    pub unit: Option<S>,
    pub min: Option<S>,
    pub max: Option<S>,
    pub json: Option<S>,
    pub sensitive: Option<Spanned<bool>>,
    pub aliases: Vec<S>,
    pub erratum: Vec<S>,
    pub origin: Option<S>,
    pub example: Option<S>,
    pub fields: Option<Vec<FieldAst>>,
    pub pos: SourcePos,
}
