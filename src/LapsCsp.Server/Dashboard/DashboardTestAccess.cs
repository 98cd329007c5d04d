using System.Runtime.CompilerServices;

// The dashboard's own test project (tests/LapsCsp.Dashboard.Tests) checks the views and the enrolled devices' source against
// a recomputation from scratch; the convention grants internals to LapsCsp.Server.Tests only.
[assembly: InternalsVisibleTo("LapsCsp.Dashboard.Tests")]
