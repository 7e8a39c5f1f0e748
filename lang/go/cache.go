package topt

// #include "raw.h"
import "C"

import "unsafe"

// CacheFile is a synced file under cache/http/.
type CacheFile uint32

// CacheFile values, from topt.h.
const (
	CacheSettings       CacheFile = C.TOPT_CACHE_FILE_SETTINGS
	CacheKnownTests     CacheFile = C.TOPT_CACHE_FILE_KNOWN_TESTS
	CacheTestManagement CacheFile = C.TOPT_CACHE_FILE_TEST_MANAGEMENT
	CacheFlakyTests     CacheFile = C.TOPT_CACHE_FILE_FLAKY_TESTS
	CacheSkippableTests CacheFile = C.TOPT_CACHE_FILE_SKIPPABLE_TESTS // never synced: always NOT_FOUND
)

// Source says which candidate answered a cache read.
type Source uint32

// Source values, from topt.h.
const (
	SourceCanonical      Source = C.TOPT_SOURCE_CANONICAL       // the canonical file, already narrowed
	SourceModuleFile     Source = C.TOPT_SOURCE_MODULE_FILE     // the module's own split file
	SourceFilteredBundle Source = C.TOPT_SOURCE_FILTERED_BUNDLE // the bundle, filtered to the module
	SourceFullBundle     Source = C.TOPT_SOURCE_FULL_BUNDLE     // the bundle unchanged
)

func (s Source) String() string {
	switch s {
	case SourceCanonical:
		return "canonical"
	case SourceModuleFile:
		return "module_file"
	case SourceFilteredBundle:
		return "filtered_bundle"
	case SourceFullBundle:
		return "full_bundle"
	}
	return "unknown"
}

// ReadCache reads a synced cache file narrowed to module (the tracer's module or bundle name;
// "" for none) and says where the answer came from. StatusNotFound means the feature has no
// data for this test (treat it as off); StatusNotEnabled means manifest mode is off.
func (c *Context) ReadCache(file CacheFile, module string) ([]byte, Source, error) {
	var data []byte
	var source C.topt_Source
	err := c.use(func(p *C.topt_Context) error {
		var cmodule *C.char
		if module != "" {
			m, err := cString(module)
			if err != nil {
				return err
			}
			defer C.free(unsafe.Pointer(m))
			cmodule = m
		}
		var b C.topt_Bytes
		if err := takeError(C.raw_cache_read(p, C.topt_CacheFile(file), cmodule, &b, &source)); err != nil {
			return err
		}
		data = takeBytes(&b)
		return nil
	})
	return data, Source(source), err
}
