module example.invalid/topt/lang/go

go 1.19
