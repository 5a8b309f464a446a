using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using Xunit;

namespace Herald.IntegrationTests.Packaging;

/// <summary>
/// Runs <c>scripts/pack.sh</c> on a fresh copy of the sources, checks what the packages carry, then installs the
/// <c>herald</c> tool from the output folder into a temporary tool path and runs it, as a new user would.
/// </summary>
/// <remarks>
/// Everything happens under a new temporary folder: the copy of the tree (so the build cannot reuse this checkout's
/// bin/obj folders, nor disturb them), the packages, the tool path and the NuGet folders. The tool is installed with a
/// NuGet configuration that lists only the package folder, so it never comes from a cache filled by an earlier run
/// or from a remote feed that might hold another package of the same name.
/// </remarks>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(9);
    private static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    private readonly string _work = Path.Combine(Path.GetTempPath(), "herald-pack-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Fact]
    public async Task PackMakesCompletePackagesAndTheToolInstallsAndPrintsItsVersion()
    {
        string version = typeof(Smtp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", version); // no "+commit" suffix: the package version alone

        string repo = RepositoryRoot();
        string tree = Path.Combine(_work, "tree");
        CopyTree(repo, tree);
        string packages = Path.Combine(_work, "packages");
        var pack = await RunAsync("bash", [Path.Combine(tree, "scripts", "pack.sh"), packages], tree, PackTimeout);
        Assert.True(pack.ExitCode == 0, $"scripts/pack.sh failed ({pack.ExitCode}):\n{pack.Output}");

        string license = await File.ReadAllTextAsync(Path.Combine(repo, "LICENSE"));
        Assert.StartsWith("MIT License", license);
        CheckPackage(packages, "Herald", version, license, "lib/net10.0/Herald.xml", "T:Herald.Smtp",
            "lib/net10.0/Herald.pdb", "src/Herald/Smtp.cs");
        CheckPackage(packages, "Herald.Cli", version, license, "tools/net10.0/any/Herald.Cli.xml",
            "T:Herald.Cli.HeraldCommandLine", "tools/net10.0/any/Herald.Cli.pdb", "src/Herald.Cli/Program.cs");
        CheckPackage(packages, "Herald.MimeKit", version, license, "lib/net10.0/Herald.MimeKit.xml",
            "T:Herald.MimeKit.MimeMessageContent", "lib/net10.0/Herald.MimeKit.pdb", "src/Herald.MimeKit/MimeKitExtensions.cs");
        const string di = "Herald.Extensions.DependencyInjection";
        CheckPackage(packages, di, version, license, $"lib/net10.0/{di}.xml",
            "T:Microsoft.Extensions.DependencyInjection.SmtpPoolServiceCollectionExtensions", $"lib/net10.0/{di}.pdb",
            $"src/{di}/SmtpPoolServiceCollectionExtensions.cs");
        using (var package = ZipFile.OpenRead(Path.Combine(packages, $"{di}.{version}.nupkg")))
        {
            // It depends on the library of the same version and on the Microsoft.Extensions abstractions, nothing else.
            var nuspec = XDocument.Parse(ReadText(package, $"{di}.nuspec"));
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
                .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
            Assert.Equal(version, dependencies["Herald"]);
            Assert.All(dependencies.Keys.Where(k => k != "Herald"), k => Assert.StartsWith("Microsoft.Extensions.", k));
            Assert.Contains("Microsoft.Extensions.Options.ConfigurationExtensions", dependencies.Keys);
        }
        using (var tool = ZipFile.OpenRead(Path.Combine(packages, $"Herald.Cli.{version}.nupkg")))
        {
            // The tool carries the library's API docs too, and says it is a tool with the command "herald".
            Assert.NotNull(tool.GetEntry("tools/net10.0/any/Herald.xml"));
            using var settings = tool.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open();
            Assert.Equal("herald", XDocument.Load(settings).Descendants("Command").Single().Attribute("Name")!.Value);
        }

        string toolPath = Path.Combine(_work, "tools");
        string config = Path.Combine(_work, "nuget.config");
        await File.WriteAllTextAsync(config,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n" +
            $"    <add key=\"herald-packages\" value=\"{packages}\" />\n  </packageSources>\n</configuration>\n");
        // A private global packages folder too: the install must not find a Herald.Cli left by an earlier run.
        var install = await RunAsync("dotnet",
            ["tool", "install", "--tool-path", toolPath, "--configfile", config, "Herald.Cli", "--version", version],
            _work, TimeSpan.FromMinutes(3), ("NUGET_PACKAGES", Path.Combine(_work, "nuget-packages")));
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed ({install.ExitCode}):\n{install.Output}");

        var run = await RunAsync(Path.Combine(toolPath, "herald"), ["--version"], _work, TimeSpan.FromMinutes(1));
        Assert.True(run.ExitCode == 0, $"herald --version failed ({run.ExitCode}):\n{run.Output}");
        Assert.Equal(version, run.Output.Trim());
    }

    /// <summary>Checks one package and its symbol package.</summary>
    private static void CheckPackage(string folder, string id, string version, string license, string docs,
        string documentedType, string pdb, string someSource)
    {
        string nupkg = Path.Combine(folder, $"{id}.{version}.nupkg");
        string snupkg = Path.Combine(folder, $"{id}.{version}.snupkg");
        Assert.True(File.Exists(nupkg), $"{nupkg} was not made");
        Assert.True(File.Exists(snupkg), $"{snupkg} (symbols) was not made beside {nupkg}");

        using var zip = ZipFile.OpenRead(nupkg);
        Assert.Equal(license, ReadText(zip, "LICENSE"));
        string readme = ReadText(zip, "README.md");
        Assert.StartsWith("# ", readme);
        var member = XDocument.Parse(ReadText(zip, docs)).Descendants("member")
            .SingleOrDefault(m => m.Attribute("name")?.Value == documentedType);
        Assert.True(member is not null, $"{docs} does not document {documentedType}");
        Assert.False(string.IsNullOrWhiteSpace(member.Element("summary")?.Value));

        XNamespace ns = XDocument.Parse(ReadText(zip, $"{id}.nuspec")).Root!.Name.Namespace;
        var metadata = XDocument.Parse(ReadText(zip, $"{id}.nuspec")).Root!.Element(ns + "metadata")!;
        Assert.Equal(id, metadata.Element(ns + "id")!.Value);
        Assert.Equal(version, metadata.Element(ns + "version")!.Value);
        var licenseElement = metadata.Element(ns + "license")!;
        Assert.Equal(("expression", "MIT"), (licenseElement.Attribute("type")!.Value, licenseElement.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        string description = metadata.Element(ns + "description")!.Value;
        Assert.NotEqual("Package Description", description);
        Assert.True(description.Length > 80, description);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "releaseNotes")?.Value));
        Assert.Contains("smtp", metadata.Element(ns + "tags")!.Value.Split(' '));
        Assert.Equal("The Herald authors", metadata.Element(ns + "authors")!.Value);

        // The PDB is in the symbol package, with deterministic paths (/_/ for the source root) and every source
        // file embedded, so a debugger needs nothing but the .snupkg.
        using var symbols = ZipFile.OpenRead(snupkg);
        var pdbEntry = symbols.GetEntry(pdb);
        Assert.NotNull(pdbEntry);
        using var pdbBytes = new MemoryStream();
        using (var s = pdbEntry.Open())
        {
            s.CopyTo(pdbBytes);
        }
        pdbBytes.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdbBytes);
        var reader = provider.GetMetadataReader();
        var documents = reader.Documents.Select(h => (Handle: h, Name: reader.GetString(reader.GetDocument(h).Name))).ToList();
        var sources = documents.Where(d => d.Name.EndsWith(".cs", StringComparison.Ordinal) && !d.Name.Contains("/obj/")).ToList();
        Assert.NotEmpty(sources);
        Assert.All(documents, d => Assert.StartsWith("/_/", d.Name));
        Assert.Contains("/_/" + someSource, sources.Select(d => d.Name));
        var embedded = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == EmbeddedSourceKind && c.Parent.Kind == HandleKind.Document)
            .Select(c => (DocumentHandle)c.Parent)
            .ToHashSet();
        Assert.All(sources, d => Assert.True(embedded.Contains(d.Handle), $"{d.Name} is not embedded in {pdb}"));
    }

    private static string ReadText(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.True(entry is not null, $"the package has no {name}");
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The checkout these tests were built from: the folder above the test binaries that holds Herald.sln.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Herald.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Copies what packing needs, as a clean clone has it: src/ without build output, the root build and
    /// package files, and the pack script.</summary>
    private static void CopyTree(string from, string to)
    {
        CopyDirectory(Path.Combine(from, "src"), Path.Combine(to, "src"));
        foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props",
                     "global.json", "nuget.config", "NuGet.config", "LICENSE", "README.md" })
        {
            if (File.Exists(Path.Combine(from, name)))
            {
                File.Copy(Path.Combine(from, name), Path.Combine(to, name));
            }
        }
        Directory.CreateDirectory(Path.Combine(to, "scripts"));
        File.Copy(Path.Combine(from, "scripts", "pack.sh"), Path.Combine(to, "scripts", "pack.sh"));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (string dir in Directory.GetDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj") && !name.StartsWith('.'))
            {
                CopyDirectory(dir, Path.Combine(to, name));
            }
        }
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    private static async Task<ProcessResult> RunAsync(string program, string[] args, string directory, TimeSpan timeout,
        params (string Name, string Value)[] variables)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The test host was started by 'dotnet test', whose MSBuild variables would steer a nested build to the
        // outer one's SDK resolution; a user's shell has none of them.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        // No build servers left running after the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        output.Append(await stdout).Append(await stderr);
        return new ProcessResult(process.ExitCode, output.ToString());
    }
}
