module example.com/v1repo

go 1.22
