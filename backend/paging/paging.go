// Package paging cuts one page out of a sorted list, with the limit and
// offset semantics of the fiskaly list endpoints.
package paging

// Page returns all[offset:offset+limit], clamped to the list.
func Page[T any](all []T, limit, offset int) []T {
	lo := min(max(offset, 0), len(all))
	hi := min(lo+max(limit, 0), len(all))
	return all[lo:hi]
}
