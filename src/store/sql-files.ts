// The SQL files, embedded as text: a compiled binary carries them inside.
// Add a migration here when you add its file.
import sqliteSchema from "../../sql/sqlite/schema/000-migrations-table.sql" with { type: "text" };
import sqlite001 from "../../sql/sqlite/migrations/001-original.sql" with { type: "text" };
import sqlite002 from "../../sql/sqlite/migrations/002-keys-ids-times.sql" with { type: "text" };
import sqlite003 from "../../sql/sqlite/migrations/003-search.sql" with { type: "text" };
import sqlite004 from "../../sql/sqlite/migrations/004-trust.sql" with { type: "text" };
import sqlite005 from "../../sql/sqlite/migrations/005-addresses.sql" with { type: "text" };
import sqlite006 from "../../sql/sqlite/migrations/006-reach.sql" with { type: "text" };
import sqlite007 from "../../sql/sqlite/migrations/007-read-marks.sql" with { type: "text" };
import sqlite008 from "../../sql/sqlite/migrations/008-groups.sql" with { type: "text" };
import sqlite009 from "../../sql/sqlite/migrations/009-group-read-marks.sql" with { type: "text" };
import sqlite010 from "../../sql/sqlite/migrations/010-failed-pending-forks.sql" with { type: "text" };
import sqlite012 from "../../sql/sqlite/migrations/012-files.sql" with { type: "text" };
import sqlite013 from "../../sql/sqlite/migrations/013-devices.sql" with { type: "text" };
import sqlite014 from "../../sql/sqlite/migrations/014-device-log.sql" with { type: "text" };
import sqlite015 from "../../sql/sqlite/migrations/015-outbox-partial-indexes.sql" with { type: "text" };
import sqlite016 from "../../sql/sqlite/migrations/016-search-own-later.sql" with { type: "text" };
import sqlite017 from "../../sql/sqlite/migrations/017-read-ahead.sql" with { type: "text" };
import mysqlSchema from "../../sql/mysql/schema/000-migrations-table.sql" with { type: "text" };
import mysql001 from "../../sql/mysql/migrations/001-original.sql" with { type: "text" };
import mysql002 from "../../sql/mysql/migrations/002-keys-ids-times.sql" with { type: "text" };
import mysql003 from "../../sql/mysql/migrations/003-search.sql" with { type: "text" };
import mysql004 from "../../sql/mysql/migrations/004-trust.sql" with { type: "text" };
import mysql005 from "../../sql/mysql/migrations/005-addresses.sql" with { type: "text" };
import mysql006 from "../../sql/mysql/migrations/006-reach.sql" with { type: "text" };
import mysql007 from "../../sql/mysql/migrations/007-read-marks.sql" with { type: "text" };
import mysql008 from "../../sql/mysql/migrations/008-groups.sql" with { type: "text" };
import mysql009 from "../../sql/mysql/migrations/009-group-read-marks.sql" with { type: "text" };
import mysql010 from "../../sql/mysql/migrations/010-failed-pending-forks.sql" with { type: "text" };
import mysql012 from "../../sql/mysql/migrations/012-files.sql" with { type: "text" };
import mysql013 from "../../sql/mysql/migrations/013-devices.sql" with { type: "text" };
import mysql014 from "../../sql/mysql/migrations/014-device-log.sql" with { type: "text" };
import mysql015 from "../../sql/mysql/migrations/015-outbox-partial-indexes.sql" with { type: "text" };
import mysql016 from "../../sql/mysql/migrations/016-search-own-later.sql" with { type: "text" };
import mysql017 from "../../sql/mysql/migrations/017-read-ahead.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface DialectSql {
  schema: string[];
  migrations: Migration[];
}

export const SQLITE_SQL: DialectSql = {
  schema: [sqliteSchema],
  migrations: [
    { version: 1, name: "original", sql: sqlite001 },
    { version: 2, name: "keys-ids-times", sql: sqlite002 },
    { version: 3, name: "search", sql: sqlite003 },
    { version: 4, name: "trust", sql: sqlite004 },
    { version: 5, name: "addresses", sql: sqlite005 },
    { version: 6, name: "reach", sql: sqlite006 },
    { version: 7, name: "read-marks", sql: sqlite007 },
    // 7 is the terminal UI's read marks (another branch).
    { version: 8, name: "groups", sql: sqlite008 },
    { version: 9, name: "group-read-marks", sql: sqlite009 },
    { version: 10, name: "failed-pending-forks", sql: sqlite010 },
    // 11 was set aside for devices, which took 13 (their brief's number); it stays unused.
    { version: 12, name: "files", sql: sqlite012 },
    { version: 13, name: "devices", sql: sqlite013 },
    { version: 14, name: "device-log", sql: sqlite014 },
    { version: 15, name: "outbox-partial-indexes", sql: sqlite015 },
    { version: 16, name: "search-own-later", sql: sqlite016 },
    { version: 17, name: "read-ahead", sql: sqlite017 },
  ],
};

export const MYSQL_SQL: DialectSql = {
  schema: [mysqlSchema],
  migrations: [
    { version: 1, name: "original", sql: mysql001 },
    { version: 2, name: "keys-ids-times", sql: mysql002 },
    { version: 3, name: "search", sql: mysql003 },
    { version: 4, name: "trust", sql: mysql004 },
    { version: 5, name: "addresses", sql: mysql005 },
    { version: 6, name: "reach", sql: mysql006 },
    { version: 7, name: "read-marks", sql: mysql007 },
    { version: 8, name: "groups", sql: mysql008 },
    { version: 9, name: "group-read-marks", sql: mysql009 },
    { version: 10, name: "failed-pending-forks", sql: mysql010 },
    { version: 12, name: "files", sql: mysql012 },
    { version: 13, name: "devices", sql: mysql013 },
    { version: 14, name: "device-log", sql: mysql014 },
    { version: 15, name: "outbox-partial-indexes", sql: mysql015 },
    { version: 16, name: "search-own-later", sql: mysql016 },
    { version: 17, name: "read-ahead", sql: mysql017 },
  ],
};
