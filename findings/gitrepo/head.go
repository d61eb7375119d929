package gitrepo

// CurrentHead reads HEAD now ("" when the branch has no commit or it cannot
// be read): Head is read once, at Open, and a console session may commit
// (a fix committed from the fix screen) before it re-scans.
func (r *Repo) CurrentHead() string {
	if r == nil || r.repo == nil {
		return ""
	}
	h, err := r.currentHead()
	if err != nil {
		return ""
	}
	return h
}
