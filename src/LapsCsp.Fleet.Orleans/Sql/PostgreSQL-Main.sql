-- Orleans ADO.NET providers on PostgreSQL: the table of named queries (run this first, then PostgreSQL-Clustering.sql).
--
-- Microsoft.Orleans.Clustering.AdoNet 10.4.2 does not ship its SQL scripts in the NuGet package. This file and
-- PostgreSQL-Clustering.sql are written for this project against the contract the provider documents: it reads every
-- statement it runs from OrleansQuery (SELECT QueryKey, QueryText FROM OrleansQuery), binds its parameters by name and
-- reads result columns by name; queries that change membership return one value, > 0 for success, 0 for a lost race.
-- Reference: Orleans documentation, "ADO.NET database configuration" and "Cluster management"
-- (learn.microsoft.com/dotnet/orleans/host/configuration-guide/adonet-configuration,
--  learn.microsoft.com/dotnet/orleans/implementation/cluster-management) and the scripts in the dotnet/orleans
-- repository (src/AdoNet/Shared/PostgreSQL-Main.sql, src/AdoNet/Orleans.Clustering.AdoNet/PostgreSQL-Clustering.sql),
-- whose table, column and parameter names these keep.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);
