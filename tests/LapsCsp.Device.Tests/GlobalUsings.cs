global using LapsCsp.Device.Tests.Support;
