package findings

import "context"

type rawSource struct{}

func load(ctx context.Context, paths []string, opts Options) (*Set, error) {
	return &Set{}, nil
}

func discover(root string, include, exclude []string) ([]string, error) { return nil, nil }

func (s *Set) details(f *Finding) (*Details, error) { return &Details{}, nil }
