//! One page of a list and how many rows the whole list has: the LIMIT/OFFSET and the count that every paged query
//! wrote again, written once. A [`Listing`] is the list's query in parts with its parameters bound once;
//! [`Listing::fetch`] runs it for a [`Page`].

use super::StoreError;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Arguments, Encode, Row, Type};

/// Rows `offset + 1` to `offset + limit` of a list, in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    /// Page `number`, counted from 1, of `size` rows; `None` when either is below 1.
    pub fn numbered(number: i64, size: i64) -> Option<Page> {
        (number >= 1 && size >= 1).then(|| Page { offset: (number - 1).saturating_mul(size), limit: size })
    }

    /// Rows `first` to `last`, counted from 1, both included.
    pub fn rows(first: i64, last: i64) -> Page {
        Page { offset: first - 1, limit: last - first + 1 }
    }

    /// `LIMIT $n OFFSET $n+1` for a statement with `bound` parameters before them, which [`Page::bind`] binds.
    pub fn clause(&self, bound: usize) -> String {
        format!("LIMIT ${} OFFSET ${}", bound + 1, bound + 2)
    }

    /// Binds the limit and the offset of [`Page::clause`].
    pub fn bind<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
        query.bind(self.limit).bind(self.offset)
    }
}

/// One page of a list's rows, and how many rows the whole list has.
pub struct Paged {
    pub total: i64,
    pub rows: Vec<AnyRow>,
}

/// A list as `SELECT {columns} {from} ORDER BY {order}`: `from` holds the FROM, the WHERE and any GROUP BY, with
/// parameters `$1`, `$2`, … bound in that order by [`Listing::bind`]. Its total is the number of rows `from`
/// selects (of groups, where it groups).
pub struct Listing<'q> {
    columns: &'q str,
    from: &'q str,
    order: &'q str,
    rows: AnyArguments<'q>,
    count: AnyArguments<'q>,
    unbound: Option<sqlx::error::BoxDynError>,
}

/// The column the total rides in on every row of a page.
const TOTAL: &str = "hisgate_list_total";

impl<'q> Listing<'q> {
    pub fn new(columns: &'q str, from: &'q str, order: &'q str) -> Listing<'q> {
        Listing { columns, from, order, rows: Default::default(), count: Default::default(), unbound: None }
    }

    /// The next parameter of `from`.
    pub fn bind<T>(mut self, value: T) -> Listing<'q>
    where
        T: 'q + Encode<'q, Any> + Type<Any> + Clone,
    {
        let added = self.rows.add(value.clone()).and_then(|()| self.count.add(value));
        if let Err(error) = added {
            self.unbound.get_or_insert(error);
        }
        self
    }

    /// [`Listing::fetch_on`] a connection of `pool`.
    pub async fn fetch(self, pool: &AnyPool, page: Page) -> Result<Paged, StoreError> {
        self.fetch_on(&mut *pool.acquire().await?, page).await
    }

    /// The rows of `page` and the list's total. The total rides on every row of the page, counted once by an
    /// uncorrelated subquery that reads `from`'s parameters again: one query where two were, in the common case; a
    /// page past the last row carries none, so only then is it counted on its own. Not `COUNT(*) OVER ()`: SQLite
    /// computes a window by copying every selected row, every column, into a table of its own first, which cost
    /// shaanxi's QueryRegister of ten orders (40 columns) a third more than the subquery does.
    pub async fn fetch_on(self, conn: &mut AnyConnection, page: Page) -> Result<Paged, StoreError> {
        if let Some(error) = self.unbound {
            return Err(sqlx::Error::Encode(error).into());
        }
        let Listing { columns, from, order, mut rows, count, .. } = self;
        let bound = rows.len();
        let (limit, offset) = (rows.add(page.limit), rows.add(page.offset));
        limit.and(offset).map_err(sqlx::Error::Encode)?;
        let sql =
            format!("SELECT {columns}, ({}) AS {TOTAL} {from} ORDER BY {order} {}", counting(from), page.clause(bound));
        let rows = sqlx::query_with(&sql, rows).fetch_all(&mut *conn).await?;
        let total = match rows.first() {
            Some(row) => row.try_get(TOTAL)?,
            None => sqlx::query_scalar_with(&counting(from), count).fetch_one(&mut *conn).await?,
        };
        Ok(Paged { total, rows })
    }
}

/// The number of rows `from` selects (of groups, where it groups), with `from`'s parameters.
fn counting(from: &str) -> String {
    format!("SELECT COUNT(*) FROM (SELECT 1 {from}) AS listed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn pages_count_from_one() {
        assert_eq!(Page::numbered(1, 10), Some(Page { offset: 0, limit: 10 }));
        assert_eq!(Page::numbered(3, 20), Some(Page { offset: 40, limit: 20 }));
        assert_eq!(Page::numbered(0, 10), None);
        assert_eq!(Page::numbered(1, 0), None);
        assert_eq!(Page::rows(11, 20), Page { offset: 10, limit: 10 });
        assert_eq!(Page { offset: 0, limit: 5 }.clause(2), "LIMIT $3 OFFSET $4");
    }

    #[tokio::test]
    async fn a_page_carries_the_total_even_past_the_last_row() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let pool = store.pool();
        sqlx::query("CREATE TABLE t (k TEXT NOT NULL, n BIGINT NOT NULL)").execute(pool).await.unwrap();
        for n in 1..=7_i64 {
            let k = if n % 2 == 0 { "even" } else { "odd" };
            sqlx::query("INSERT INTO t (k, n) VALUES ($1, $2)").bind(k).bind(n).execute(pool).await.unwrap();
        }
        let odd = |page| Listing::new("n", "FROM t WHERE k = $1", "n DESC").bind("odd").fetch(pool, page);
        let paged = odd(Page::numbered(1, 3).unwrap()).await.unwrap();
        let numbers: Vec<i64> = paged.rows.iter().map(|r| r.try_get("n").unwrap()).collect();
        assert_eq!((paged.total, numbers), (4, vec![7, 5, 3]));
        let paged = odd(Page::numbered(2, 3).unwrap()).await.unwrap();
        assert_eq!((paged.total, paged.rows.len()), (4, 1));
        let paged = odd(Page::numbered(3, 3).unwrap()).await.unwrap();
        assert_eq!((paged.total, paged.rows.len()), (4, 0));
        let none = Listing::new("n", "FROM t WHERE k = $1", "n").bind("none").fetch(pool, Page::rows(1, 10));
        assert_eq!(none.await.unwrap().total, 0);
        // Grouped: the total counts the groups.
        let groups = Listing::new("k, COUNT(*) AS c", "FROM t GROUP BY k", "k").fetch(pool, Page::rows(2, 2));
        let paged = groups.await.unwrap();
        assert_eq!((paged.total, paged.rows[0].try_get::<String, _>("k").unwrap()), (2, "odd".to_owned()));
    }
}
