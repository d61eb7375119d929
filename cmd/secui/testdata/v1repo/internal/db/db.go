package db

import (
	"database/sql"
	"fmt"
)

func Find(db *sql.DB, table, name string) (*sql.Rows, error) {
	q := fmt.Sprintf("SELECT * FROM %s WHERE name = '%s'", table, name)
	return db.Query(q)
}
