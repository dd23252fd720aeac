// Slots for the parts of Flowgate that come in a later release, so the navigation already shows the whole path.
export function ComingSoonPage({ title, what }: { title: string; what: string }) {
  return (
    <section aria-labelledby="h-soon">
      <h1 id="h-soon">{title}</h1>
      <div className="state empty">
        <strong>Coming in a later release.</strong>
        <p>{what}</p>
      </div>
    </section>
  );
}
