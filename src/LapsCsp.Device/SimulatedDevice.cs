using System.Text.Json;
using System.Text.Json.Serialization;
using LapsCsp.Device.Accounts;
using LapsCsp.Device.Catalog;
using LapsCsp.Device.Laps;
using LapsCsp.Device.Session;
using LapsCsp.Passwords;
using LapsCsp.Passwords.Randomness;
using LapsCsp.Passwords.Wordlists;
using LapsCsp.SyncML.Messages;
using LapsCsp.Tree;
using LapsCsp.Tree.Schema;

namespace LapsCsp.Device;

/// <summary>How to build a simulated device.</summary>
public sealed record DeviceOptions
{
    public string DeviceId { get; init; } = "LAPSCSP-DEVICE-0001";

    public ProtocolProfile Profile { get; init; } = ProtocolProfile.Windows;

    public DependencyMode Dependencies { get; init; } = DependencyMode.Enforce;

    public AtomicRequiredMode AtomicRequired { get; init; } = AtomicRequiredMode.Warn;

    public DeviceContext Context { get; init; } = DeviceContext.Windows11Enterprise24H2;

    /// <summary>Seeds the machine SID; passwords always come from RandomNumberGenerator unless <see cref="PasswordSeed"/> is set.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>For reproducible simulations only: generate passwords from a seeded source.</summary>
    public int? PasswordSeed { get; init; }

    public CspSchema? Schema { get; init; }

    public TreeOptions TreeOptions => StatusMap.TreeOptionsFor(Profile) with
    {
        Dependencies = Dependencies,
        AtomicRequired = AtomicRequired,
        Device = Context,
    };
}

/// <summary>A simulated Windows device: its DM tree over the CSPs of ddf/, its accounts and LAPS actions, and the DM
/// session that answers SyncML.</summary>
public sealed class SimulatedDevice
{
    public SimulatedDevice(DeviceOptions? options = null, TimeProvider? time = null)
    {
        Options = options ?? new DeviceOptions();
        Time = time ?? TimeProvider.System;
        var accounts = new LocalAccountStore(LocalAccountStore.MachineSidFor(Options.Seed));
        IRandomSource random = Options.PasswordSeed is { } seed ? new SeededRandomSource(seed) : new CryptoRandomSource();
        Backend = new SimulatedDeviceBackend(accounts, new LapsPasswordGenerator(random, PassphraseWordLists.Default), Time);
        Tree = new DmTree(Options.Schema ?? CspCatalog.DefaultSchema, Options.TreeOptions, Backend);
        Session = new DmSessionProcessor(Tree, new SessionOptions { Profile = Options.Profile, DeviceId = Options.DeviceId });
    }

    public DeviceOptions Options { get; }

    public TimeProvider Time { get; }

    public DmTree Tree { get; }

    public SimulatedDeviceBackend Backend { get; }

    public LocalAccountStore Accounts => Backend.Accounts;

    public DmSessionProcessor Session { get; }

    /// <summary>Answers one server package, then lets the device do what the package asked (e.g. a password reset).</summary>
    public DmReply Apply(SyncMLMessage request)
    {
        var reply = Session.Process(request);
        Backend.RunPendingWork();
        return reply;
    }

    /// <summary>The device's whole state as a serialisable snapshot.</summary>
    public DeviceSnapshot Snapshot() => new(
        Options.DeviceId,
        new SortedDictionary<string, string?>(Tree.State.Nodes, StringComparer.Ordinal),
        [.. Accounts.All],
        Backend.ResetPasswordStatus,
        Backend.ResetPending);

    /// <summary>Restores a snapshot taken by <see cref="Snapshot"/>.</summary>
    public void Restore(DeviceSnapshot snapshot)
    {
        var state = TreeState.From(snapshot.Tree);
        Tree.Restore(state);
        Backend.Observe(state);
        foreach (var account in Accounts.All) Accounts.Remove(account.Name);
        foreach (var account in snapshot.Accounts) Accounts.Add(account);
        Backend.RestoreStatus(snapshot.ResetPasswordStatus, snapshot.ResetPending);
    }
}

/// <summary>Everything a device keeps between runs.</summary>
public sealed record DeviceSnapshot(
    string DeviceId,
    SortedDictionary<string, string?> Tree,
    List<LocalAccount> Accounts,
    int ResetPasswordStatus,
    bool ResetPending)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static DeviceSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<DeviceSnapshot>(json, s_json) ?? throw new JsonException("empty device state");
}
