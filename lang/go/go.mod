module github.com/DataDog/topt/lang/go

go 1.22
