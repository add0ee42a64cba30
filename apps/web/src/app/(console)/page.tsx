import { OverviewView } from './overview-view.tsx';

export default function OverviewPage() {
  return <OverviewView />;
}
