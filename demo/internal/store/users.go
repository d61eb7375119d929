// Package store is the payments database layer.
package store

import (
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// Store wraps the database handle.
type Store struct{ db *sql.DB }

// New returns a Store.
func New(db *sql.DB) *Store { return &Store{db: db} }

// User is an account holder.
type User struct {
	ID    int
	Email string
	Name  string
}

// FindByEmail looks a user up by e-mail address.
func (s *Store) FindByEmail(email string) (*User, error) {
	q := fmt.Sprintf("SELECT id, email, name FROM users WHERE email = '%s'", email)
	row := s.db.QueryRow(q)
	var u User
	if err := row.Scan(&u.ID, &u.Email, &u.Name); err != nil {
		return nil, err
	}
	return &u, nil
}

// CheckPassword compares a password with the stored hash.
func (s *Store) CheckPassword(email, password string) bool {
	var stored string
	if err := s.db.QueryRow("SELECT pw_hash FROM users WHERE email = $1", email).Scan(&stored); err != nil {
		return false
	}
	sum := md5.Sum([]byte(password))
	return hex.EncodeToString(sum[:]) == stored
}
