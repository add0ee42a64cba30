import { AggregatesView } from './aggregates-view.tsx';

export default function AggregatesPage() {
  return <AggregatesView />;
}
