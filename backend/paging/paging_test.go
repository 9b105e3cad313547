package paging

import (
	"slices"
	"testing"
)

func TestPage(t *testing.T) {
	all := []int{1, 2, 3, 4, 5}
	for _, c := range []struct {
		limit, offset int
		want          []int
	}{{2, 0, []int{1, 2}}, {2, 4, []int{5}}, {10, 0, all}, {3, 5, []int{}}, {3, 9, []int{}}, {0, 1, []int{}}} {
		if got := Page(all, c.limit, c.offset); !slices.Equal(got, c.want) {
			t.Errorf("Page(%d,%d) = %v, want %v", c.limit, c.offset, got, c.want)
		}
	}
}
