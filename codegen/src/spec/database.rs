//! `database:` of an interface file: which stored procedure or view answers the interface in the HIS database.

use super::ast::{DatabaseAst, FilterAst};
use super::reader::{FileReader, MapReader};

pub(super) fn read(r: &mut FileReader, interface: &mut MapReader) -> Option<DatabaseAst> {
    let node = interface.node("database")?;
    let mut map = r.mapping(node, "`database`")?;
    let database = DatabaseAst {
        pos: r.pos(map.span()),
        procedure: map.text(r, "procedure"),
        view: map.text(r, "view"),
        filter: map.list(r, "filter", "a filter", read_filter),
        order: map.text(r, "order"),
        page: map.texts(r, "page"),
    };
    map.finish(r);
    Some(database)
}

fn read_filter(r: &mut FileReader, mut map: MapReader) -> Option<FilterAst> {
    let filter = FilterAst {
        pos: r.pos(map.span()),
        field: map.required(r, "field"),
        column: map.text(r, "column"),
        op: map.text(r, "op"),
    };
    map.finish(r);
    Some(filter)
}
