/** The API's read models use the shared hot-path executor (see src/db/sql.ts for why). */
export { type Sql, sqlOf } from '../../db/sql.js';
